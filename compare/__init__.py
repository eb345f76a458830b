"""rnncompare: how TF1 and Keras initialize equivalent GRU/LSTM layers, measured in real TensorFlow."""
__version__ = "0.1.0"
