from . import Case
CASES = []
