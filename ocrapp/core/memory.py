"""A process's memory cap: what it holds now plus a headroom, as address space."""

import resource


def limit_memory(headroom_mb: int) -> None:
    """Cap this process's address space at what it holds now plus `headroom_mb` (0: none).

    Past the cap an allocation fails with MemoryError (or torch's RuntimeError), which
    fails the work in hand, instead of the kernel killing a process or the machine swapping.
    """
    if headroom_mb <= 0:
        return
    with open("/proc/self/status") as status:
        held_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    cap = held_kb * 1024 + headroom_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, resource.RLIM_INFINITY))
