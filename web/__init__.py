"""The web face's guards, which app.py wires around the Gradio app: who a request comes from and what it may cost.

In: HTTP request headers and ASGI traffic. Out: decisions (from the app's own page or not, within a budget or not)
and ASGI wrappers (CORS without credentials for foreign pages, a total quota on uploads). Nothing here reads the
store or runs a model.
"""
