"""The bounds a scenario file must keep, so that a small or hostile file cannot take unbounded
time or memory, and so that anything the schema accepts fits the types the engines use.

Each number is stated in the error that enforces it; change it here only.
"""

from __future__ import annotations

# --- reading (scenario/files.py, scenario/yaml_safe.py) ------------------------------------------

# A preset is about 20 KB; a scenario a thousand times larger is a mistake or an attack.
MAX_FILE_BYTES = 4 * 2**20
# YAML values (scalars, lists, mappings) in one file; a preset has about 1,500.
MAX_VALUES = 100_000
# Lists and mappings inside one another; a preset nests 5 deep.
MAX_DEPTH = 32
# Files in one chain of extend:.
MAX_EXTEND_CHAIN = 16
# Folders that hold kernel and device views, never scenarios (reading some never ends).
SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")
SCENARIO_SUFFIXES = (".yaml", ".yml")
# Errors never show more of a value than this.
SHOWN_CHARS = 60

# --- values the engines store (state.py, plan.py) ------------------------------------------------

# Scores are int16 in the state (state.py); tier thresholds and list thresholds compare with them.
SCORE_TYPE_MIN, SCORE_TYPE_MAX = -(2**15), 2**15 - 1
# Appeal decision slots are counted in int64 (Plan.appeal_first_slot): the capacity, in decisions
# per million days, times the last day an appeal can be decided, must stay below 2**63.
MAX_APPEAL_SLOTS = 2**62
# More decisions per day than people is meaningless.
MAX_APPEALS_PER_100K_PER_DAY = 100_000.0
