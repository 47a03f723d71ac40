"""The answer path, one way: a question -> retrieval and the evidence sentences (`evidence`) -> does the text answer
it (`answerable`, trained) -> the checked answer (`qa`), each model sentence judged by the claim checker (`checker`,
trained; `claims` holds the exact number and name gate and the sentence splitter). `router` sends a chat message to
an answer or to the other actions; `check_text` checks any text against the stored papers."""
