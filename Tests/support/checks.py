"""The Python end-to-end tests' checks: one line per check, then "N passed, M failed".

    from checks import check, summary
    check(status == 200, f"GET /health answers 200 ({status})")
    sys.exit(summary())              # 1 if anything failed
"""

passed = 0
failures = []


def check(condition, message):
    """Prints `ok` or `FAIL` with the message and counts it; returns the condition."""
    global passed
    if condition:
        passed += 1
        print(f"ok   {message}", flush=True)
    else:
        failures.append(message)
        print(f"FAIL {message}", flush=True)
    return condition


def failed():
    """Whether any check failed so far."""
    return bool(failures)


def summary():
    """Prints the count line; the exit status (1 if anything failed)."""
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0
