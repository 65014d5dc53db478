"""The threaded HTTP/1.1 WSGI server.

Rules: imports ``kettle.http`` and the standard library (plus httptools) only. It sees an
application only as a PEP 3333 WSGI callable. The HTTP logic is sans-IO; the socket and
thread code is a thin driver around it.
"""
