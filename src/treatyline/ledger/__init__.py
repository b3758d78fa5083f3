"""The depositary's record: signed instruments in a transparency log (see DESIGN.md)."""
