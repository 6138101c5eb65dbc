"""The OpenAI-compatible client (LLMClient) and the local endpoint (LocalLLMServer) shared by judge, simplify
and the benchmark builders."""
from .client import ChatResult, LLMClient
from .server import LocalLLMServer, ensure_local_model

__all__ = ["ChatResult", "LLMClient", "LocalLLMServer", "ensure_local_model"]
