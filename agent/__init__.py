"""The brain: settings, the LLM backend, TL;DRs, the digest, grounded Q&A, the router and the CLI.

Builds on `vectorstore/` (papers in, passages out) and knows nothing of Gradio; `app.py` renders what this returns.
"""
