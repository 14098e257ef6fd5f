"""explore_js: the case explorer of index.html: filter chips (implementation,
status, cause, opcode group, exact opcode), a search box, and the rows of
case x implementation that match, each with its `cbpf triage` command and
a copy button, and a link to the case's divergence (with its case file
text) further down the page. The cases are embedded as JSON in the page;
the script is inline (no network). The filter state is the URL fragment:
impl, status (default diverge), cause, op (a group such as `ldx`, or an
exact code `0x61`), tag (a matrix cell: the cases tagged opcode=0xNN) and
q (the search text), e.g. `#impl=libpcap&op=ldx`.
"""
import html
import json

from . import triage_cmd

MAX_ROWS = 500
STATUS = {"pass": "p", "diverge": "d", "skipped": "s"}


def esc(s):
    return html.escape(str(s), quote=True)


def _chip(field, value, label=None, on=False):
    return (f'<button class="chip{" on" if on else ""}" data-f="{esc(field)}" '
            f'data-v="{esc(value)}">{esc(label if label is not None else value)}</button>')


def causes(doc):
    return sorted({o.get("cause") for c in doc["cases"] for o in c["outcomes"].values()
                   if o["status"] == "diverge" and o.get("cause")})


def groups(doc, group_fn):
    """{group: [code, ...]} of the opcodes of opcode_names."""
    out = {}
    for k, name in sorted(doc.get("opcode_names", {}).items()):
        out.setdefault(group_fn(int(k, 16), name), []).append(int(k, 16))
    return dict(sorted(out.items()))


def section(doc, group_fn):
    """The filter bar and the (script-filled) table of rows."""
    impl_chips = _chip("impl", "all", on=True) + "".join(_chip("impl", n) for n in doc["impls"])
    status_chips = "".join(_chip("status", s, on=s == "diverge")
                           for s in ("diverge", "pass", "skipped", "all"))
    cause_chips = _chip("cause", "all", on=True) + "".join(_chip("cause", c) for c in causes(doc))
    gr = groups(doc, group_fn)
    op_chips = _chip("op", "all", on=True) + "".join(
        _chip("op", g) for g in gr)
    exact = '<select id="op-exact"><option value="all">exact opcode...</option>' + "".join(
        f'<option value="{k}">{esc(k)} {esc(v)}</option>'
        for k, v in sorted(doc.get("opcode_names", {}).items())) + "</select>"
    return f"""<section id="explore">
<p class="small">Every case &times; implementation. Pick an implementation and an opcode (for
example <b>libpcap</b> then <b>ldx</b>: every case using an ldx opcode where libpcap differs from
the kernel); the view is the page's URL fragment, so it can be linked.</p>
<div class="filters" id="filters">
<div id="f-impl"><b>implementation</b>{impl_chips}</div>
<div id="f-status"><b>status</b>{status_chips}</div>
<div id="f-cause"><b>cause</b>{cause_chips}</div>
<div id="f-op"><b>opcode</b>{op_chips} {exact}</div>
<div id="f-tag"><b>matrix cell</b>{_chip("tag", "", "none", on=True)} <span class="small">(set by a count of the opcode matrix below)</span></div>
<div><b>search</b><input id="q" type="search" placeholder="case id, description, detail, cause"></div>
</div>
<p id="shown" class="small"><span id="shown-count">0</span> row(s) <span id="shown-note"></span>
<span id="tag-note"></span></p>
<table id="rows"><thead><tr><th class="l">case</th><th class="l">implementation</th>
<th class="l">status</th><th class="l">cause</th><th class="l">detail</th>
<th class="l">reproduce</th></tr></thead><tbody></tbody></table>
</section>"""


def data(doc, results_path="reports/out/results.json"):
    """The explorer's data: impls, opcode groups, cases as compact lists
    [id, description, profile, opcodes, tagged opcodes, divergence anchor?,
     {impl index: [status p|d|s, cause, detail, triage command]}]."""
    names = list(doc["impls"])
    cases = []
    for c in doc["cases"]:
        outs = {}
        for n, o in c["outcomes"].items():
            if n not in names:
                continue
            st = STATUS[o["status"]]
            cmd = triage_cmd.command(c["id"], n, results_path) if st == "d" else ""
            cause = o.get("cause") or ("kernel vs recording" if st == "d" else "")
            outs[names.index(n)] = [st, cause, o["detail"][:300], cmd]
        tagged = sorted({int(t.split("=", 1)[1], 16) for t in c.get("tags", [])
                         if t.startswith("opcode=")})
        anchor = any(o["status"] == "diverge" for o in c["outcomes"].values())
        cases.append([c["id"], c.get("description", ""), c.get("profile", ""),
                      c.get("opcodes", []), tagged, anchor, outs])
    return {"impls": names, "max": MAX_ROWS, "cases": cases}


JS = r"""
(function () {
  var D = JSON.parse(document.getElementById('cbpf-data').textContent);
  var G = JSON.parse(document.getElementById('cbpf-groups').textContent);
  var ST = {p: 'pass', d: 'diverge', s: 'skipped'};
  var DEF = {impl: 'all', status: 'diverge', cause: 'all', op: 'all', tag: '', q: ''};
  var state = {};
  var byGroup = {};
  Object.keys(G).forEach(function (g) { byGroup[g] = G[g]; });

  function parse() {
    state = Object.assign({}, DEF);
    location.hash.slice(1).split('&').forEach(function (kv) {
      var i = kv.indexOf('=');
      if (i < 0) return;
      var k = kv.slice(0, i);
      if (k in DEF) state[k] = decodeURIComponent(kv.slice(i + 1));
    });
  }
  function write() {
    var parts = [];
    Object.keys(DEF).forEach(function (k) {
      if (state[k] !== DEF[k]) parts.push(k + '=' + encodeURIComponent(state[k]));
    });
    history.replaceState(null, '', parts.length ? '#' + parts.join('&')
                                                : location.pathname + location.search);
  }
  function opMatch(c) {
    if (state.op === 'all') return true;
    var codes = /^0x/.test(state.op) ? [parseInt(state.op, 16)] : (byGroup[state.op] || []);
    return c[3].some(function (x) { return codes.indexOf(x) >= 0; });
  }
  function rowMatch(c, ii, o) {
    if (state.impl !== 'all' && D.impls[ii] !== state.impl) return false;
    if (state.status !== 'all' && ST[o[0]] !== state.status) return false;
    if (state.cause !== 'all' && o[1] !== state.cause) return false;
    if (state.q) {
      var hay = (c[0] + ' ' + c[1] + ' ' + o[1] + ' ' + o[2] + ' ' + D.impls[ii]).toLowerCase();
      if (hay.indexOf(state.q.toLowerCase()) < 0) return false;
    }
    return true;
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function row(c, ii, o) {
    var tr = el('tr', {'data-case': c[0], 'data-impl': D.impls[ii], 'data-status': ST[o[0]]});
    var td = el('td', {'class': 'l'});
    if (c[5]) {
      var a = el('a', {href: '#case-' + c[0], 'class': 'caselink', 'data-case': c[0]});
      a.appendChild(el('code', {}, c[0]));
      td.appendChild(a);
    } else {
      td.appendChild(el('code', {}, c[0]));
    }
    tr.appendChild(td);
    tr.appendChild(el('td', {'class': 'l'}, D.impls[ii]));
    tr.appendChild(el('td', {'class': 'l ' + (o[0] === 'd' ? 'known' : ST[o[0]])}, ST[o[0]]));
    tr.appendChild(el('td', {'class': 'l'}, o[1]));
    tr.appendChild(el('td', {'class': 'l small'}, o[2]));
    var cmd = el('td', {'class': 'l cmd'});
    if (o[3]) {
      cmd.appendChild(el('code', {'class': 'cmd'}, o[3]));
      cmd.appendChild(document.createTextNode(' '));
      cmd.appendChild(el('button', {'class': 'chip copy', 'data-copy': o[3]}, 'copy'));
    }
    tr.appendChild(cmd);
    return tr;
  }
  function render() {
    var body = document.querySelector('#rows tbody');
    body.textContent = '';
    var n = 0;
    var tag = state.tag ? parseInt(state.tag, 16) : null;
    D.cases.forEach(function (c) {
      if (tag !== null && c[4].indexOf(tag) < 0) return;
      if (!opMatch(c)) return;
      Object.keys(c[6]).forEach(function (k) {
        var ii = +k, o = c[6][k];
        if (!rowMatch(c, ii, o)) return;
        if (n < D.max) body.appendChild(row(c, ii, o));
        n++;
      });
    });
    document.getElementById('shown-count').textContent = n;
    document.getElementById('shown-note').textContent =
      n > D.max ? '(the first ' + D.max + ' shown: narrow the filter)' : '';
    document.getElementById('tag-note').textContent =
      state.tag ? 'cases written for opcode ' + state.tag + ' (matrix) ' : '';
    document.querySelectorAll('#filters button.chip').forEach(function (b) {
      b.classList.toggle('on', state[b.dataset.f] === b.dataset.v);
    });
    var sel = document.getElementById('op-exact');
    sel.value = /^0x/.test(state.op) ? state.op : 'all';
    var q = document.getElementById('q');
    if (q.value !== state.q) q.value = state.q;
  }
  function copy(text, button) {
    function done() { button.textContent = 'copied'; }
    function fallback() {
      var t = el('textarea', {});
      t.value = text;
      document.body.appendChild(t);
      t.select();
      try { document.execCommand('copy'); done(); } catch (e) { }
      document.body.removeChild(t);
    }
    if (navigator.clipboard && navigator.clipboard.writeText)
      navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  }
  document.getElementById('filters').addEventListener('click', function (e) {
    var b = e.target.closest('button.chip');
    if (!b) return;
    state[b.dataset.f] = b.dataset.v;
    write();
    render();
  });
  document.getElementById('op-exact').addEventListener('change', function (e) {
    state.op = e.target.value;
    write();
    render();
  });
  document.getElementById('q').addEventListener('input', function (e) {
    state.q = e.target.value;
    write();
    render();
  });
  document.addEventListener('click', function (e) {
    var b = e.target.closest('button.copy');
    if (b) { copy(b.dataset.copy, b); return; }
    var a = e.target.closest('a.caselink');
    if (a) {
      e.preventDefault();
      var d = document.getElementById('case-' + a.dataset.case);
      if (d) { d.open = true; d.scrollIntoView(); }
    }
  });
  window.addEventListener('hashchange', function () {
    if (location.hash.indexOf('=') < 0) return;
    parse();
    render();
    document.getElementById('explore').scrollIntoView();
  });
  parse();
  render();
})();
"""


def _json(obj):
    return json.dumps(obj, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


def script(doc, group_fn):
    gr = groups(doc, group_fn)
    return (f'<script type="application/json" id="cbpf-data">{_json(data(doc))}</script>\n'
            f'<script type="application/json" id="cbpf-groups">{_json(gr)}</script>\n'
            f"<script>{JS}</script>")
