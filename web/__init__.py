"""The web face: the Gradio app that app.py starts, one module per tab.

In: the wired `Services`, the `Access` rules and HTTP requests. Out: the app (web/build.py: `build_app`, `launch`),
its tabs (web/today.py, digest.py, ask.py, check.py, trends.py, foryou.py, library.py, about.py: each tab's
handlers and layout over the shared web/base.py `Context`), its API/MCP endpoints (web/endpoints.py), and the
guards around it (web/guard.py: who a request comes from and what it may cost; web/memory.py: malloc tuning).
Every action is a call into `agent/`; this package only renders and checks who may act.
"""
