"""rnncompare: how TF1 and Keras initialize equivalent GRU/LSTM layers, measured in real TensorFlow.

Side: in-env (every TF env's Python and numpy; no host libraries).
"""
__version__ = "0.1.0"
