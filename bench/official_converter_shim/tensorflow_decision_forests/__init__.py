"""Empty stand-in, on PYTHONPATH only when bench_convert.py runs tensorflowjs_converter.

tensorflowjs 4.22 imports tensorflow_decision_forests at start-up even for Keras .h5
input, and TF-DF pins an exact TensorFlow release that conflicts with the benchmark's
environment. The Keras conversion path never calls it.
"""
