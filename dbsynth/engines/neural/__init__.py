"""Neural engine (`neural`, PyTorch): an autoregressive generator per table, conditioned on the
context parent's row, with the child counts as extra autoregressive columns.

Importing this package's modules imports torch; the registry imports them only when the
`neural` engine is asked for, so dbsynth and the copula engine run without torch.
"""
