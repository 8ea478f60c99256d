#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Renders ring_bench's Google Benchmark JSON (run with repetitions and aggregates) as a Markdown
table of the median packets/s and bytes/s of each case, with the host CPU and date."""
import argparse
import json


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("json")
    parser.add_argument("--commit", default="unknown")
    args = parser.parse_args()
    with open(args.json) as source:
        result = json.load(source)
    context = result["context"]
    medians = [b for b in result["benchmarks"] if b.get("aggregate_name") == "median"]
    cvs = {b["run_name"]: b for b in result["benchmarks"] if b.get("aggregate_name") == "cv"}

    lines = ["### VMBus ring: OutgoingRing write + IncomingRing read (+ commit_read)", "",
             f"Host: {cpu_model()}, {context.get('num_cpus', '?')} CPUs; "
             f"{context.get('date', '?')}; commit {args.commit}; partvm built Release; "
             "load average at start "
             f"{', '.join(f'{x:.1f}' for x in context.get('load_avg', [])) or '?'}.", "",
             "128 KiB ring data area; `flat` = FlatRingMemory, `guest` = GuestRingMemory on "
             "consecutive guest pages, `guest_scattered` = data pages in reverse order "
             "(per-page copies). Medians of "
             f"{medians[0].get('repetitions', '?') if medians else '?'} repetitions; rates are "
             "per CPU second (Google Benchmark's default), bytes are payload only. The machine "
             "is shared: compare rows, not absolute numbers.", "",
             "| case | payload | packets per iteration | Mpackets/s | GiB/s | CV of time |",
             "|---|---|---|---|---|---|"]
    for bench in medians:
        name = bench["run_name"]
        kind, backing, payload = name.split("/")
        per_iteration = int(bench.get("batch", 1))
        cv = cvs.get(name, {}).get("real_time")
        lines.append(
            f"| {kind}/{backing} | {int(payload)} B | {per_iteration} "
            f"| {bench['items_per_second'] / 1e6:.2f} "
            f"| {bench['bytes_per_second'] / 2**30:.2f} "
            f"| {f'{cv * 100:.1f}%' if cv is not None else 'n/a'} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
