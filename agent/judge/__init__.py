"""The judge: text and the sources it may draw on -> which parts the sources back, used from above by the TL;DR
writer, the answer path and the Check tab; it imports nothing of theirs. `terms` extracts and stems the checkable
terms (numbers, names, content words: the exact gate), `parts` cuts a sentence into the parts it claims, `checker`
runs the trained cross-encoder over them, `combine` weighs its score with the terms' support, `answerable` says
whether a paper's sentences answer a question (trained), and `check_text` checks any text against the stored
papers."""
