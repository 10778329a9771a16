"""The tiny offline models live in `goalgraph.testing` (plugin authors and `make demo` use them too)."""
from goalgraph.testing.tiny_models import (ADVICE, CORPUS, build_talking_gpt2, build_tiny_gpt2,  # noqa: F401
                                           build_tiny_reward_model, build_tokenizer)
