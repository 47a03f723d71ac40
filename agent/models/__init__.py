"""The model backends behind one `ChatModel` interface (`chat_model`): the bundled GGUF through transformers with
the trained TL;DR adapter merged in (`llm`), its CUDA-graph decoder on a GPU (`graph_decode`), and any
OpenAI-compatible server (`remote_llm`)."""
