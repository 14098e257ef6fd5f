"""gen_random: seeded random programs (cbpfconform.randprog, the Python
side's one random-program generator: straight-line code and forward
branches over the whole instruction set, with edge operands), each run on
packets of several lengths. The seed makes the files reproducible.
"""
from cbpfconform import randprog
from cbpfconform.casefile import Case
from packets import pattern

SEED = 20261128


def cases(count=560):
    rng = randprog.Random(SEED)
    for i in range(count):
        prog = randprog.program(rng)
        lengths = sorted(rng.sample((4, 14, 20, 34, 54, 60, 64, 65, 100, 128, 300), 3))
        pkts = []
        for n in lengths:
            p = bytearray(pattern(n))
            for j in range(n):
                if rng.random() < 0.3:
                    p[j] = rng.randrange(256)
            pkts.append(bytes(p))
        yield Case(id=f"random/prog_{i:04d}", path="",
                   description=f"seeded random program #{i} ({len(prog)} instructions)",
                   tags=["random"], program=[p[0] for p in prog],
                   program_comments=[p[1] for p in prog], packets=pkts)
