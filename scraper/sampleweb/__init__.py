"""Deterministic sample web of Chinese government disclosure sites, served on a loopback proxy.

``SampleWeb(seed, scale, night)`` generates the sites; ``serve_in_thread`` serves them;
``web.truth()`` states what a perfect crawler + extractor + checker should find.
"""

from .server import ServerHandle, run_server, serve_in_thread
from .web import SampleWeb

__all__ = ["SampleWeb", "ServerHandle", "run_server", "serve_in_thread"]
