# One neuron: learn the rule y = 2x - 1 from six examples.
import numpy as np

from pytfjs import report, seed_param, seed_weights, tf, weights_digest

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=np.float32).reshape(-1, 1)
ys = 2 * xs - 1  # [-3, -1, 1, 3, 5, 7]

model = tf.sequential()
model.add(tf.layers.dense(units=1, input_shape=[1]))
model.compile(optimizer="sgd", loss="meanSquaredError")
seed = seed_param()  # ?seed=N in the address (default 0): the same seed, the same run
seed_weights(model, seed)  # the starting weight and bias come from the seed
model.summary()

# 500 passes over the six points; the progress bar and the loss chart update live.
history = await model.fit(xs, ys, epochs=500, seed=seed)
print(f"loss after {len(history.epoch)} epochs: {history.history['loss'][-1]:.5f}")

prediction = model.predict(np.array([[10.0]], dtype=np.float32)).numpy()[0, 0]
print(f"x = 10  ->  y = {prediction:.3f}   (the rule gives 19)")

weight, bias = (w.numpy().item() for w in model.get_weights())
print(f"the neuron learned y = {weight:.3f} * x + {bias:.3f}")
report(prediction=float(prediction), weight=weight, bias=bias, seed=seed,
       weights_sha256=weights_digest(model))
