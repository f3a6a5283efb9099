"""The largest matrix product that stays on one OpenBLAS thread.

OpenBLAS shares a product between threads from 2 * 2**18 multiply-adds
(m * n * k) on. For products this small the hand-off costs more than it
saves, and on a busy machine a thread waiting for its partner stalls each call
for a time slice: an EM iteration at n = 1e6, K = 10 took 0.7-1.3 s instead of
0.05 s on 2 loaded cores. Code that works through many points in blocks sizes
its blocks so that each block's product stays below this.
"""

SERIAL_PRODUCT = 2**18
