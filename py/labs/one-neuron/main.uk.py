# Один нейрон: засвоїти правило y = 2x - 1 із шести прикладів.
import numpy as np

from pytfjs import report, tf

model = tf.sequential()
model.add(tf.layers.dense(units=1, input_shape=[1]))
model.compile(optimizer="sgd", loss="meanSquaredError")
model.summary()

xs = np.array([[-1.0], [0.0], [1.0], [2.0], [3.0], [4.0]])
ys = 2 * xs - 1  # [-3, -1, 1, 3, 5, 7]
await model.fit(xs, ys, epochs=500)  # смуга поступу й графік втрат оновлюються наживо

prediction = model.predict(np.array([[10.0]])).numpy()[0, 0]
weight, bias = (w.numpy().item() for w in model.get_weights())
print(f"x = 10 -> y = {prediction:.3f} (за правилом 19): y = {weight:.3f} x + {bias:.3f}")
report(prediction=prediction, weight=weight, bias=bias)
