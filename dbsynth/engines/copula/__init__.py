"""HMA-style Gaussian-copula table generator (`copula`, the default): generator.py, model.py, conditional.py."""
