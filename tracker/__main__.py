from tracker.cli import main

# Guarded: a workbook writer process (spawned, see exports/built.py) imports this module again.
if __name__ == "__main__":
    raise SystemExit(main())
