"""packets: the synthetic packets the opcode, validator and quirk cases use.

A packet is the byte pattern p[i] = (i + 5) & 0xff (as in the peer survey),
optionally with big-endian u32 words written at its start, so one program
can be tried with several register values taken from the packet.
"""
import struct


def pattern(length):
    return bytes((i + 5) & 0xff for i in range(length))


def with_words(words, length=64):
    head = b"".join(struct.pack(">I", w & 0xffffffff) for w in words)
    body = pattern(length)
    return head + body[len(head):]


# Register values at the edges of u32 arithmetic.
EDGE_WORDS = (0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0xdeadbeef)
