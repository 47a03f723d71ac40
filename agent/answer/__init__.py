"""The answer path, one way: a question -> retrieval and the evidence sentences (`evidence`) -> the checked answer
(`qa`), which asks the judge (`agent/judge/`: answerability, then each model sentence against its sources). The chat
dispatcher that sends a message here or to another action is `agent/chat.py`, above this package."""
