"""Run as `python -m tests.registry.bomb_probe FILE FORMAT`: read an upload the way a check does, in a process of
its own, and print what happened and how much memory it took above the process's idle size (JSON)."""
import json
import resource
import sys
from datetime import date


def main(path, fmt):
    """Measure one read; a 2 GB address-space cap keeps a broken bound from taking the machine down."""
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    import openpyxl.styles.numbers  # noqa: F401 - loaded by every check; part of the idle size
    import xlrd  # noqa: F401

    from kupang.registry.importer.plan import Context, read_plan
    from kupang.registry.importer.readers import ImportFileError, open_source, uncompressed_size

    idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    message, rows = None, 0
    try:
        uncompressed_size(path, fmt)
        source = open_source(path, fmt)
        try:
            rows = len(read_plan(source, Context(today=date.today())).rows)
        finally:
            source.close()
    except ImportFileError as error:
        message = str(error)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"message": message, "rows": rows, "above_idle_mb": round((peak - idle) / 1024, 1)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
