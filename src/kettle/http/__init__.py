"""Protocol data only: headers, cookies, status codes, URLs, forms, ranges and dates.

Rules: imports the standard library, markupsafe and python-multipart only; nothing else of
kettle. No sockets, threads or application state live here.
"""
