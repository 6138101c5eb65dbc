"""The OpenAI-compatible client (LLMClient), the local endpoint (LocalLLMServer) and ``connect()``, which gives a
client for a URL or for the local endpoint, shared by judge, simplify and the benchmark builders."""
from .client import ChatResult, LLMClient
from .connect import EndpointArguments, connect
from .server import LocalLLMServer, ensure_local_model

__all__ = ["ChatResult", "EndpointArguments", "LLMClient", "LocalLLMServer", "connect", "ensure_local_model"]
