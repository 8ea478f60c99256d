# SPDX-License-Identifier: Apache-2.0
"""Helpers the benchmark drivers share: the host end of the guest agent (agent_exec, perf/run)
beside a VMM, and the summary of a series of samples."""
import json
import statistics
import subprocess
import time


def with_agent_exec(vmm_argv, exec_argv, timeout):
    """Starts agent_exec (it listens, then waits for the agent's connection), then the VMM, which
    ends when agent_exec closes the connection. Returns (VMM wall seconds, agent_exec's stdout:
    the command's stdout, then agent_exec's JSON line, parsed, as the last element)."""
    client = subprocess.Popen(exec_argv, stdout=subprocess.PIPE, text=True)
    assert client.stdout.readline().strip() == "listening"
    start = time.monotonic()
    vmm = subprocess.run(vmm_argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         timeout=timeout)
    wall = time.monotonic() - start
    out, _ = client.communicate(timeout=timeout)
    if client.returncode != 0:
        raise RuntimeError(f"agent_exec failed; VMM stderr: {vmm.stderr.decode()[-2000:]}")
    lines = out.strip().splitlines()
    return wall, "\n".join(lines[:-1]), json.loads(lines[-1])


def summary(values):
    """Median, min, max and count of a series; None for an empty one."""
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def filesystem_type(path):
    """The type of the filesystem holding PATH: its longest mount point in /proc/self/mounts."""
    best, kind = "", "unknown"
    with open("/proc/self/mounts") as mounts:
        for line in mounts:
            point, fstype = line.split()[1:3]
            if (path + "/").startswith(point.rstrip("/") + "/") and len(point) >= len(best):
                best, kind = point, fstype
    return kind
