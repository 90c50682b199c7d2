"""retroprop: deep learning from scratch on NumPy, every derivative explicit.

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F
"""

# first: binds the Tensor methods that are ops (t + u, t.exp(), t.sum(), ...) onto rp.Tensor
from retroprop import tensor_methods  # isort: split

from retroprop import accelerator, autograd, backends, cuda, data, onnx, optim, utils
from retroprop.autograd import detect_anomaly
from retroprop.backends import (
    are_deterministic_algorithms_enabled,
    compile,
    get_float32_matmul_precision,
    set_float32_matmul_precision,
    use_deterministic_algorithms,
)
from retroprop.creation import (
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from retroprop.devices import device, get_default_device, set_default_device
from retroprop.dtypes import (
    BoolTensor,
    ByteTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    double,
    finfo,
    half,
    iinfo,
    int8,
    int16,
    long,
    short,
    uint8,
)
from retroprop.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from retroprop.io import load, save
from retroprop.memory import keep_freed_memory
from retroprop.ops.activation import log_softmax, relu, sigmoid, softmax, tanh
from retroprop.ops.arithmetic import (
    abs,
    add,
    clamp,
    clip,
    cos,
    div,
    exp,
    log,
    log1p,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    sign,
    sin,
    sqrt,
    sub,
    where,
)
from retroprop.ops.counting import bincount, unique
from retroprop.ops.indexing import gather
from retroprop.ops.linalg import einsum, matmul
from retroprop.ops.logic import (
    all,
    allclose,
    any,
    argwhere,
    count_nonzero,
    eq,
    equal,
    ge,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
    nonzero,
)
from retroprop.ops.matrix import addmm, bmm, dot, mm, mv, outer
from retroprop.ops.pointwise import (
    addcdiv,
    addcmul,
    ceil,
    clamp_max,
    clamp_min,
    erf,
    erfinv,
    expm1,
    floor,
    frac,
    lerp,
    log2,
    log10,
    logaddexp,
    nan_to_num,
    reciprocal,
    round,
    rsqrt,
    square,
    trunc,
)
from retroprop.ops.products import cumprod, prod
from retroprop.ops.rearrange import (
    diag,
    diagonal,
    diff,
    flip,
    meshgrid,
    movedim,
    narrow,
    repeat_interleave,
    roll,
    select,
    swapaxes,
    swapdims,
    t,
    tile,
    trace,
    tril,
    triu,
    unbind,
)
from retroprop.ops.reduce import (
    argmax,
    argmin,
    cumsum,
    logsumexp,
    max,
    mean,
    min,
    norm,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)
from retroprop.ops.remainder import floor_divide, fmod, remainder
from retroprop.ops.sampling import bernoulli, multinomial
from retroprop.ops.scatter import (
    index_add,
    index_select,
    masked_fill,
    masked_select,
    scatter,
    scatter_add,
)
from retroprop.ops.shape import (
    cat,
    chunk,
    flatten,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    unsqueeze,
)
from retroprop.ops.sorting import amax, amin, argsort, median, sort, topk
from retroprop.ops.trig import acos, acosh, asin, asinh, atan, atan2, atanh, cosh, sinh, tan
from retroprop.random import Generator, get_rng_state, manual_seed, seed, set_rng_state
from retroprop.tensor import (
    Tensor,
    as_tensor,
    bool_,
    float16,
    float32,
    float64,
    get_default_dtype,
    int32,
    int64,
    is_floating_point,
    is_tensor,
    numel,
    set_default_dtype,
)
from retroprop.threads import get_num_threads, set_num_threads
from retroprop.torch_names import torch_names as _torch_names

# PyTorch's argument names (input=, other=, exponent=, condition=), with out=, dtype= and alpha=
# where PyTorch has them, on the ops whose parameters carry retroprop's names (x, a, b, cond)
abs = _torch_names(abs)
cos = _torch_names(cos)
exp = _torch_names(exp)
log = _torch_names(log)
log1p = _torch_names(log1p)
neg = _torch_names(neg)
sign = _torch_names(sign)
sin = _torch_names(sin)
sqrt = _torch_names(sqrt)
sigmoid = _torch_names(sigmoid)
tanh = _torch_names(tanh)
relu = _torch_names(relu, out=False)
add = _torch_names(add, alpha=True)
sub = _torch_names(sub, alpha=True)
mul = _torch_names(mul)
div = _torch_names(div)
pow = _torch_names(pow, rename={"b": "exponent"})
maximum = _torch_names(maximum)
minimum = _torch_names(minimum)
matmul = _torch_names(matmul)
where = _torch_names(where)
clamp = _torch_names(clamp)
clip = _torch_names(clip)
gather = _torch_names(gather)
argmax = _torch_names(argmax)
argmin = _torch_names(argmin)
logsumexp = _torch_names(logsumexp)
max = _torch_names(max)
min = _torch_names(min)
norm = _torch_names(norm)
std = _torch_names(std)
var = _torch_names(var)
sum = _torch_names(sum, dtype=True)
mean = _torch_names(mean, dtype=True)
cumsum = _torch_names(cumsum, dtype=True)
softmax = _torch_names(softmax, dtype=True, out=False)
log_softmax = _torch_names(log_softmax, dtype=True, out=False)
cat = _torch_names(cat)
stack = _torch_names(stack)
chunk = _torch_names(chunk, out=False)
flatten = _torch_names(flatten, out=False)
permute = _torch_names(permute, out=False)
reshape = _torch_names(reshape, out=False)
split = _torch_names(split, out=False)
squeeze = _torch_names(squeeze, out=False)
transpose = _torch_names(transpose, out=False)
unsqueeze = _torch_names(unsqueeze, out=False)

__version__ = "0.1.0"

# PyTorch's dtype names that are also Python builtins (rp.float is float32, as torch.float);
# bound last, so that nothing above reads them in place of the builtins
float = float32
int = int32
bool = bool_

# imported last: retroprop.nn builds on every name above
import retroprop.viz as viz  # noqa: E402  (matplotlib loads on a plot's first use)
from retroprop import train  # noqa: E402  (imports without the lab extra)
from retroprop.nn.summary import summary  # noqa: E402
