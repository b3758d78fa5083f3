"""The depositary's record: a transparency log of signed instruments."""
