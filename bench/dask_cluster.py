"""cact on a Dask cluster: a chained pipeline, elements per second, 1 -> 2 workers.

    python bench/dask_cluster.py [--n 1e8] [--chunk 5e6] [--workers 1,2] [--repeat 3]
    python bench/dask_cluster.py --scheduler tcp://HOST:8786 [--n 1e9]

The pipeline over a float32 Dask array x of ``--n`` elements, generated chunk by
chunk on the workers (``map_blocks`` of a seeded NumPy generator: the whole
array is never held anywhere), uniform in [-8, 8]:

    y = sigmoid(x);  g = sigmoid_backward(x, y=y)  (grad_output = x);  g.sum()

written twice: with cact's functions applied to the Dask arrays (Dask maps the
ufuncs chunk by chunk and fuses the steps of a chunk into one task), and with
the same steps as NumPy operations inside ``map_blocks``.  A third line only
generates and sums x: the part of the time that is not the activation.

Without ``--scheduler`` it starts a ``distributed.LocalCluster`` on the
loopback address for each count in ``--workers`` (processes of one thread
each; the nanny sets OMP_NUM_THREADS=1, so cact runs one thread per worker)
and prints the throughput and the scaling from the first count to the last.
With ``--scheduler ADDRESS`` it runs on that existing cluster (for example
one started with ``dask scheduler`` and ``dask worker ADDRESS --nthreads 1``
on each machine; every worker needs cact installed) with the workers it has.
Times are the best of ``--repeat`` computations after one warm-up on a small
array; each run is checked against the other pipeline's sum.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import cpu_model  # noqa: E402

import cact  # noqa: E402


def _generate(block, seed, block_id=None):
    """One chunk of x from its own seeded generator (shape from ``block``,
    a placeholder chunk that costs nothing: np.empty_like)."""
    i = block_id[0]
    rng = np.random.default_rng([seed, i])
    out = rng.random(block.shape, dtype=np.float32)
    out *= 16
    out -= 8
    return out


def _numpy_steps(x):
    """sigmoid forward and backward from y with grad_output x, NumPy only."""
    y = np.negative(x)
    np.exp(y, out=y)
    y += 1
    np.reciprocal(y, out=y)  # y = sigmoid(x)
    g = np.subtract(1, y, dtype=x.dtype)
    g *= y
    g *= x                   # x * y (1 - y)
    return g


def _source(da, n: int, chunk: int, seed: int):
    placeholder = da.empty(n, chunks=chunk, dtype=np.float32)
    return da.map_blocks(_generate, placeholder, seed, dtype=np.float32)


def pipelines(da, n: int, chunk: int, seed: int = 0) -> dict:
    x = _source(da, n, chunk, seed)
    y = cact.sigmoid(x)
    g = cact.sigmoid_backward(x, y=y)
    return {
        "cact": g.sum(dtype=np.float64),
        "numpy in map_blocks": da.map_blocks(_numpy_steps, x, dtype=np.float32).sum(dtype=np.float64),
        "generate + sum only": x.sum(dtype=np.float64),
    }


def _best(client, arr, repeat: int) -> tuple[float, float]:
    best, value = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = client.compute(arr).result()
        best = min(best, time.perf_counter() - t0)
    return best, float(value)


def run_on(client, da, n: int, chunk: int, repeat: int) -> dict:
    # warm-up: every worker imports cact and NumPy's generator
    for arr in pipelines(da, 4 * chunk // 8 or 8, max(1, chunk // 8)).values():
        client.compute(arr).result()
    res = {}
    for label, arr in pipelines(da, n, chunk).items():
        t, value = _best(client, arr, repeat)
        res[label] = (n / t / 1e9, t, value)
    a, b = res["cact"][2], res["numpy in map_blocks"][2]
    if not abs(a - b) <= 1e-4 * max(1.0, abs(b)):
        raise SystemExit(f"the pipelines disagree: cact {a!r}, NumPy {b!r}")
    return res


def _workers_info(client) -> str:
    info = client.scheduler_info()["workers"]
    threads = client.run(cact.get_num_threads)
    return ", ".join(
        f"{w['nthreads']} task thread(s) x cact {threads.get(a, '?')}" for a, w in info.items()
    )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=float, default=1e8, help="elements (default 1e8; the issue: 1e9)")
    ap.add_argument("--chunk", type=float, default=5e6, help="elements per chunk (default 5e6)")
    ap.add_argument("--workers", default="1,2", help="LocalCluster worker counts (default 1,2)")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many (default 3)")
    ap.add_argument("--scheduler", default=None,
                    help="address of an existing scheduler (tcp://HOST:PORT) instead of LocalClusters")
    args = ap.parse_args(argv)
    n, chunk = int(args.n), int(args.chunk)
    if n < 1 or chunk < 1 or args.repeat < 1:
        ap.error("--n, --chunk and --repeat must be >= 1")
    import dask
    import dask.array as da
    import distributed

    print(f"- CPU: {cpu_model()}; {os.cpu_count()} logical CPUs")
    print(f"- cact {cact.__version__}, NumPy {np.__version__}, dask {dask.__version__}, "
          f"distributed {distributed.__version__}")
    print(f"- n = {n:.3g} float32 elements in chunks of {chunk:.3g} ({-(-n // chunk)} chunks), "
          f"best of {args.repeat}")
    results = {}
    if args.scheduler:
        with distributed.Client(args.scheduler, timeout="30s") as client:
            nw = len(client.scheduler_info()["workers"])
            print(f"- {args.scheduler}: {nw} workers ({_workers_info(client)})")
            results[nw] = run_on(client, da, n, chunk, args.repeat)
    else:
        counts = [int(c) for c in args.workers.split(",")]
        for w in counts:
            with distributed.LocalCluster(
                n_workers=w, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None, silence_logs=40,
            ) as cluster, distributed.Client(cluster) as client:
                print(f"- LocalCluster of {w} workers ({_workers_info(client)})")
                results[w] = run_on(client, da, n, chunk, args.repeat)
    print()
    counts = list(results)
    head = " | ".join(f"{w} worker{'s' * (w > 1)}" for w in counts)
    scale = len(counts) > 1
    print(f"| pipeline | {head} |" + (f" {counts[0]} -> {counts[-1]} |" if scale else ""))
    print("|---|" + "---:|" * len(counts) + ("---:|" if scale else ""))
    for label in results[counts[0]]:
        cells = [f"{results[w][label][0]:.3f} Gelem/s ({results[w][label][1]:.2f} s)" for w in counts]
        extra = f" {results[counts[-1]][label][0] / results[counts[0]][label][0]:.2f}x |" if scale else ""
        print(f"| {label} | " + " | ".join(cells) + " |" + extra)
    for w in counts:
        r = results[w]
        print(f"\n{w} worker(s): cact / NumPy pipeline {r['cact'][0] / r['numpy in map_blocks'][0]:.2f}x")


if __name__ == "__main__":
    main()
