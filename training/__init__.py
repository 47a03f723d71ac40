"""Training the small models the agent ships: the TL;DR writer (a LoRA adapter over the bundled SmolLM2) and the
claim checker (a MiniLM cross-encoder).

Data flows one way: the archive of Daily Papers days -> pairs split by day (`archive`, `tldr_pairs`,
`checker_pairs`) -> training scripts (`train_tldr`, `train_checker`) -> weights under `agent/weights/`. Nothing here
runs at a user's request: the app only loads what these scripts wrote.
"""
