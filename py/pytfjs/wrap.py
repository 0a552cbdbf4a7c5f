"""Pythonic handles on TF.js objects: ``from pytfjs import tf``.

``tf.layers.dense(units=1, input_shape=[1])`` calls ``tf.layers.dense({units: 1,
inputShape: [1]})``: keyword arguments become the trailing options object with camelCase
keys, lists/dicts/numpy arrays are converted, Python callbacks get JS proxies that are
destroyed when the call (or its promise) is over, and temporary tensors made from numpy
arguments are disposed the same way. Results come back wrapped, so chains stay Pythonic;
``.js`` is always the raw object. Attribute names may be snake_case
(``model.count_params()``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator, Iterator
from typing import Any

from numpy.typing import NDArray

from . import _compat, jsargs, seeding, tensors
from .i18n import _
from .scope import RUN_OWNED, ProxyRegistry


def _is_pending(value: Any) -> bool:
    """A JS promise: Pyodide hands those back as JsPromise or, from calls, as a Future."""
    return isinstance(value, (_compat.JsPromise, asyncio.Future))


def unwrap(value: Any) -> Any:
    return value.js if isinstance(value, JsObject) else value


def _is_js(value: Any) -> bool:
    return isinstance(value, (JsObject, _compat.JsProxy))


def convert_args(args: tuple[Any, ...], kwargs: dict[str, Any], owner: ProxyRegistry) -> list[Any]:
    """Positional args plus keyword args (as a trailing options object) as JS values."""
    items = list(args)
    if kwargs:
        items.append(jsargs.options(kwargs))

    def on_array(array: NDArray[Any]) -> Any:
        return owner.own_tensor(tensors.js_tensor(array))

    out = []
    for item in items:
        plain = jsargs.prepare(item, is_js=_is_js, on_js=unwrap, on_array=on_array,
                               on_callable=owner.proxy)
        if isinstance(plain, (dict, list)):
            plain = _compat.to_js_value(plain)
        out.append(plain)
    return out


def call(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    owner = ProxyRegistry()
    try:
        result = fn(*convert_args(args, kwargs, owner))
    except BaseException:
        owner.destroy()
        raise
    if _is_pending(result):
        return Pending(result, owner)
    owner.destroy()
    return wrap(result)


class Pending:
    """An awaitable TF.js promise whose call resources are freed once it settles."""

    def __init__(self, promise: Any, owner: ProxyRegistry) -> None:
        self.js = promise
        self._owner = owner

    def __await__(self) -> Generator[Any, None, Any]:
        try:
            result = yield from self.js.__await__()
        finally:
            self._owner.destroy()
        return wrap(result)


class JsObject:
    """A TF.js object seen from Python."""

    __slots__ = ("js",)

    def __init__(self, raw: Any) -> None:
        object.__setattr__(self, "js", raw)

    def _name(self, name: str) -> str:
        if hasattr(self.js, name):
            return name
        alt = jsargs.camel(name)
        if alt != name and hasattr(self.js, alt):
            return alt
        raise AttributeError(_("{describe} has no attribute {name!r}")
                             .format(describe=self._describe(), name=name))

    def _describe(self) -> str:
        ctor = getattr(getattr(self.js, "constructor", None), "name", None)
        return f"JavaScript {ctor or 'object'}"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return wrap(getattr(self.js, self._name(name)))

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            target = self._name(name)
        except AttributeError:
            target = jsargs.camel(name)
        plain = jsargs.prepare(value, is_js=_is_js, on_js=unwrap, on_array=_refuse_array,
                               on_callable=_refuse_callable)
        setattr(self.js, target, _compat.to_js_value(plain) if isinstance(plain, (dict, list))
                else plain)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return call(self.js, args, kwargs)

    def new(self, *args: Any, **kwargs: Any) -> Any:
        """``new Cls(...)`` for JS classes."""
        return call(self.js.new, args, kwargs)

    def __len__(self) -> int:
        return int(self.js.length)

    def __getitem__(self, index: Any) -> Any:
        return wrap(self.js[index])

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield wrap(self.js[i])

    def to_py(self, **kwargs: Any) -> Any:
        return self.js.to_py(**kwargs)

    def __repr__(self) -> str:
        return f"<{self._describe()}>"


def _refuse_array(_array: NDArray[Any]) -> Any:
    raise TypeError(_("assign a tensor (pytfjs.to_tensor(array)), not a numpy array"))


def _refuse_callable(_fn: Any) -> Any:
    raise TypeError(_("assigning a Python function to a JS property would leak a proxy; "
                    "pass it as a call argument instead"))


class Tensor(JsObject):
    """A tf.Tensor: ``.numpy()``, ``.shape`` as a tuple, usable as a context manager."""

    __slots__ = ()

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.js.shape)

    @property
    def dtype(self) -> str:
        return str(self.js.dtype)

    def numpy(self) -> NDArray[Any]:
        return tensors.to_numpy(self.js)

    async def numpy_async(self) -> NDArray[Any]:
        return await tensors.to_numpy_async(self.js)

    def dispose(self) -> None:
        self.js.dispose()

    def __enter__(self) -> Tensor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.js.dispose()

    def __repr__(self) -> str:
        return f"<tf.Tensor {self.dtype} shape={self.shape}>"


class Layer(JsObject):
    """A tf.layers.Layer (also a model's): weights it is given are kept as given."""

    __slots__ = ()

    def set_weights(self, weights: Any) -> None:
        """``setWeights``: the run's seed will not redraw these weights (seeding.py)."""
        seeding.weights_given(self.js)
        call(self.js.setWeights, (weights,), {})

    setWeights = set_weights  # noqa: N815 - TF.js' own spelling, which a lab may use


class Model(Layer):
    """A tf.LayersModel: ``compile`` seeds its new layers, ``await model.fit(...)`` gets
    progress, charts, Stop and the seeded batch order."""

    __slots__ = ()

    def compile(self, *args: Any, **kwargs: Any) -> None:
        """TF.js' ``compile``, then the layers made in this run get their starting weights
        from the run's seed (``?seed=``, else 0): the learner's code holds no seeding."""
        call(self.js.compile, args, kwargs)
        seeding.seed_new_layers(self.js)

    async def fit(self, x: Any, y: Any = None, **kwargs: Any) -> Any:
        from .training import fit

        return await fit(self, x, y, **kwargs)

    def summary(self, line_length: int | None = None) -> None:
        """Print the layer table to the lab console (TF.js prints to the JS console)."""
        with ProxyRegistry() as owner:
            self.js.summary(line_length, None, owner.proxy(lambda *parts: print(*parts)))

    def __repr__(self) -> str:
        return f"<tf.LayersModel {self.js.name}>"


def wrap(value: Any) -> Any:
    """Wrap JS objects; numbers, strings, booleans and None pass through."""
    if _is_pending(value):
        return Pending(value, ProxyRegistry())
    if not isinstance(value, _compat.JsProxy) or isinstance(value, JsObject):
        return value
    if hasattr(value, "dataSync") and hasattr(value, "rankType"):
        return Tensor(value)
    if hasattr(value, "fit") and hasattr(value, "compile") and hasattr(value, "layers"):
        RUN_OWNED.add(value)
        return Model(value)
    if hasattr(value, "applyGradients") and hasattr(value, "minimize"):
        RUN_OWNED.add(value)
    elif hasattr(value, "computeOutputShape") and hasattr(value, "built"):
        if not value.built:  # made just now (tf.layers.dense(...)): seeded when compiled
            seeding.note_new_layer(value)
        return Layer(value)
    return JsObject(value)


def to_tensor(data: Any, dtype: str | None = None) -> Tensor:
    """A new tensor holding a copy of ``data`` (numpy array, list or scalar).

    float64 becomes float32 and small integers int32 (TF.js has no 64-bit dtypes);
    lossy casts are refused with ValueError. Dispose it, or create it inside ``tidy()``.
    """
    return Tensor(tensors.js_tensor(data, dtype))
