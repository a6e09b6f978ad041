"""The pure planner: what is due when. No IO; the engine and ``campaign plan`` share it."""
