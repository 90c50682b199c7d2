"""retroprop: deep learning from scratch on NumPy, every derivative explicit.

import retroprop as rp
import retroprop.nn as nn
import retroprop.nn.functional as F
"""

from retroprop import autograd, backends, cuda, data, optim, utils
from retroprop.autograd import detect_anomaly
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
    half,
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
from retroprop.random import get_rng_state, manual_seed, seed, set_rng_state
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
    set_default_dtype,
)
from retroprop.threads import get_num_threads, set_num_threads

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
