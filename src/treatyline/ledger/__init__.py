"""The depositary's record as a transparency log: canonical JSON instruments signed
with the parties' Ed25519 keys, an RFC 6962 / RFC 9162 Merkle tree with inclusion and
consistency proofs, C2SP checkpoints and witness cosignatures. One module per concept;
import them directly (this package imports none of them, so that it stays cheap)."""
