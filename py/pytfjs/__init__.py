"""pytfjs: TensorFlow.js from Python in the browser (Pyodide), Pythonic and leak-free.

    from pytfjs import tf, report
    model = tf.sequential()
    model.add(tf.layers.dense(units=1, input_shape=[1]))
    model.compile(optimizer="sgd", loss="meanSquaredError")
    await model.fit(xs, ys, epochs=500)
    report(prediction=float(model.predict(np.array([[10.0]])).numpy()[0, 0]))

The run's ``?seed=`` (else 0) fixes the starting weights and the batch order, and each
training reports ``seed`` and ``weights_sha256`` (``pytfjs.seeding``).

``tf`` exists only in the browser (``tfvis`` says to draw with ``pytfjs.ui`` instead);
everything else imports on CPython.
"""

from __future__ import annotations

from typing import Any

from ._compat import IN_BROWSER, BrowserRequired
from .control import STOP, Stopped
from .early_stopping import EarlyStopping
from .i18n import _
from .query import param, params
from .reporting import report, results
from .scope import ProxyRegistry, keep, tidy
from .tensors import to_numpy, to_numpy_async
from .training import History, fit, fit_batches
from .wrap import to_tensor

__version__ = "0.1.0"

__all__ = [
    "IN_BROWSER", "BrowserRequired", "EarlyStopping", "History", "ProxyRegistry", "Stopped",
    "backend",
    "check_stop", "fit", "fit_batches", "keep", "load_tfvis", "memory", "param", "params",
    "report", "results",
    "set_backend", "tf", "tfvis", "tidy", "to_numpy", "to_numpy_async", "to_tensor",
]


def check_stop() -> None:
    """Raise :class:`Stopped` if the learner pressed Stop (for long Python loops)."""
    STOP.check()


def backend() -> str:
    """The active TF.js backend: "webgl", "wasm" or "cpu"."""
    from ._compat import tf_module

    return str(tf_module().getBackend())


async def set_backend(name: str) -> str:
    """Switch TF.js backend; raises ValueError if this browser cannot run it.

    In a pytfjs page the switch goes through the page's runtime, which gives the wasm
    backend one thread per core (TF.js alone would take half of them).
    """
    from . import _compat

    tf = _compat.tf_module()
    if await _compat.page_set_backend(name):
        return backend()
    if not await tf.setBackend(name):
        raise ValueError(_("the {name} backend does not work in this browser").format(name=name))
    await tf.ready()
    return backend()


async def load_tfvis() -> Any:
    """tfjs-vis is not shipped: this says what to use instead (``pytfjs.ui.render``)."""
    from . import _compat
    from .wrap import JsObject

    return JsObject(await _compat.load_vis())


def memory() -> dict[str, Any]:
    """``tf.memory()`` as a dict (numTensors, numBytes, ...)."""
    from ._compat import tf_module

    return dict(tf_module().memory().to_py())


def __getattr__(name: str) -> Any:
    if name in ("tf", "tfvis"):
        from . import _compat
        from .wrap import JsObject

        module = _compat.tf_module() if name == "tf" else _compat.tfvis_module()
        return JsObject(module)
    raise AttributeError(_("module 'pytfjs' has no attribute {name!r}").format(name=name))
