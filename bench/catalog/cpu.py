"""CPU accounting for bench/catalog/run.sh: measures that the machine's other load disturbs less than the
wall-clock rates.

  python3 cpu.py pg                 CPU seconds used so far by the PostgreSQL server: its live processes plus
                                    the exited backends (reaped into the postmaster's cutime and cstime)
  python3 cpu.py run OUT CMD...     runs CMD and appends "<CPU seconds of CMD and its children>" to OUT
"""
import os
import resource
import subprocess
import sys

TICK = os.sysconf("SC_CLK_TCK")


def proc(pid: str) -> tuple[str, list[str]] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    # The command name may hold spaces: the fields after it start past its closing parenthesis.
    return text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()


def pg_cpu() -> float:
    procs = {pid: p for pid in filter(str.isdigit, os.listdir("/proc")) if (p := proc(pid))}
    pg = {pid: fields for pid, (comm, fields) in procs.items() if comm.startswith("postgres")}
    total = 0
    for fields in pg.values():
        utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
        total += utime + stime
        if fields[1] not in pg:  # a postmaster: the backends it has reaped
            total += cutime + cstime
    return total / TICK


def main() -> None:
    if sys.argv[1] == "pg":
        print(f"{pg_cpu():.2f}")
        return
    out, cmd = sys.argv[2], sys.argv[3:]
    r = subprocess.run(cmd)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "a") as f:
        f.write(f"{ru.ru_utime + ru.ru_stime:.2f}\n")
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
