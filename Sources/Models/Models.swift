// Models: layers, MMoLRE and the text encoder over Numerics kernels.
