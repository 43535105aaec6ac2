"""The web side of Jifen: members' Mini App, the operators' console, the public board.

Server-rendered (Jinja2 templates in ``web/templates``, assets in ``web/static``, all
shipped in every function's artifact), routed by Powertools' HTTP API resolver
(:mod:`web.app`), served by the ``web`` Lambda (:mod:`functions.handlers.web`) and by
``jifen dev``. Pages read through the services and ports like every other edge.
"""
