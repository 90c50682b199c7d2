"""The course's hand-backpropagation exercises (slides "Deep Learning - Un cours qui dérive !"),
solved with the engine in float64 and checked against the gradients derived by hand.

Exercice 1: one tanh neuron s = tanh(w x + b) on six points, J = 1/2 sum_k (s_k - y_k)^2.
Exercice 2: a 2-2-1 tanh network on the four XOR points, from the slides' initial weights.

The slides give neither the learning rate, nor the neuron's initial values, nor biases for
the network; the choices are stated in each test and in docs/diy.md. The loss is summed over
the points ("rétropropagation stochastique" on the slides: one step per pass, gradients
summed over the base); a point counts as well classified when s is on the target's side of 1/2.
"""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import retroprop as rp
import retroprop.nn as nn

# ---- Exercice 1: a tanh neuron on six points ------------------------------------------------

X1 = [-1.2, 0.3, -0.1, 0.0, -0.4, 0.7]
Y1 = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
W0, B0 = 0.5, 0.0  # our choice: the slides give no initial values
LR1 = 0.1


def neuron_loss(w: rp.Tensor, b: rp.Tensor) -> tuple[rp.Tensor, rp.Tensor]:
    """s = tanh(w x + b) on the six points and J = 1/2 sum (s - y)^2, with the engine."""
    x = rp.tensor(X1, dtype=rp.float64)
    y = rp.tensor(Y1, dtype=rp.float64)
    s = (w * x + b).tanh()
    return s, 0.5 * ((s - y) ** 2).sum()


def neuron_gradient_by_hand(w: float, b: float) -> tuple[float, float]:
    """tanh' = 1 - tanh^2, so with s_k = tanh(w x_k + b):

    dJ/dw = sum_k (s_k - y_k) (1 - s_k^2) x_k,   dJ/db = sum_k (s_k - y_k) (1 - s_k^2).
    """
    gw = gb = 0.0
    for x, y in zip(X1, Y1):
        s = math.tanh(w * x + b)
        delta = (s - y) * (1 - s * s)
        gw += delta * x
        gb += delta
    return gw, gb


def test_neuron_first_gradient_matches_the_hand_formula():
    """From w = 0.5, b = 0 (our choice), the engine's dJ/dw and dJ/db equal the hand
    formulas to 1e-15 in float64."""
    w = rp.tensor(W0, dtype=rp.float64, requires_grad=True)
    b = rp.tensor(B0, dtype=rp.float64, requires_grad=True)
    _, J = neuron_loss(w, b)
    J.backward()
    gw, gb = neuron_gradient_by_hand(W0, B0)
    assert abs(w.grad.item() - gw) <= 1e-15
    assert abs(b.grad.item() - gb) <= 1e-15
    hand_J = sum(0.5 * (math.tanh(W0 * x + B0) - y) ** 2 for x, y in zip(X1, Y1))
    assert abs(J.item() - hand_J) <= 1e-15


def test_neuron_converges_to_the_least_squares_minimum():
    """Gradient descent (learning rate 0.1, our choice) from w = 0.5, b = 0 reaches a point
    where the gradient vanishes, and no point of a grid over [-10, 10]^2 does better: it is
    the least-squares minimum, w* = 0.7307, b* = 0.6595, J* = 0.37142.

    At that minimum x = -0.1 (target 0) gets s = 0.527 > 1/2: the squared loss prefers it to
    pulling x = -0.4 and x = -1.2 (also target 0) towards -1. Five points out of six are on
    the right side of 1/2, although a neuron that separates all six exists (w = 10, b = 1).
    """
    w = rp.tensor(W0, dtype=rp.float64, requires_grad=True)
    b = rp.tensor(B0, dtype=rp.float64, requires_grad=True)
    for _ in range(300):
        _, J = neuron_loss(w, b)
        w.grad = b.grad = None
        J.backward()
        with rp.no_grad():
            w -= LR1 * w.grad
            b -= LR1 * b.grad
    w.grad = b.grad = None
    s, J = neuron_loss(w, b)
    J.backward()
    assert abs(w.grad.item()) < 1e-8 and abs(b.grad.item()) < 1e-8
    np.testing.assert_allclose([w.item(), b.item()], [0.7306528, 0.6595449], atol=1e-6)

    grid = np.linspace(-10, 10, 401)
    gw, gb = np.meshgrid(grid, grid)
    x, y = np.array(X1), np.array(Y1)
    grid_J = 0.5 * ((np.tanh(gw[..., None] * x + gb[..., None]) - y) ** 2).sum(-1)
    assert J.item() <= grid_J.min()

    assert ((s.detach().numpy() > 0.5) == (y > 0.5)).tolist() == [
        True,
        True,
        False,
        True,
        True,
        True,
    ]
    assert np.all((np.tanh(10 * x + 1) > 0.5) == (y > 0.5))


# ---- Exercice 2: a 2-2-1 tanh network on XOR -------------------------------------------------

X2 = [[-1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [1.0, -1.0]]
Y2 = [0.0, 1.0, 0.0, 1.0]
# w^(l)_{j,i} is the weight from unit i of layer l-1 to unit j of layer l: the only reading
# in which w^(2)_{1,1}, w^(2)_{1,2} (the slides' two second-layer weights) feed ONE output.
# Row j of each matrix is neuron j: PyTorch's (out, in) layout, nn.Linear's weight.
W1_SLIDES = [[0.5, -0.3], [0.7, -0.1]]  # w^(1)_{1,1}, w^(1)_{1,2} / w^(1)_{2,1}, w^(1)_{2,2}
W2_SLIDES = [[0.2, -0.1]]  # w^(2)_{1,1}, w^(2)_{1,2}
LR2 = 0.1  # our choice


def xor_network(bias: bool) -> tuple[nn.Linear, nn.Linear]:
    """The slides' network: h = tanh(W1 x + b1), s = tanh(W2 h + b2), in float64, with the
    slides' weights and, when ``bias``, biases starting at 0 (the slides give none)."""
    layer1 = nn.Linear(2, 2, bias=bias, dtype=rp.float64)
    layer2 = nn.Linear(2, 1, bias=bias, dtype=rp.float64)
    with rp.no_grad():
        layer1.weight.data[...] = W1_SLIDES
        layer2.weight.data[...] = W2_SLIDES
        if bias:
            layer1.bias.data[...] = 0.0
            layer2.bias.data[...] = 0.0
    return layer1, layer2


def xor_forward(layer1: nn.Linear, layer2: nn.Linear, x: rp.Tensor) -> rp.Tensor:
    return layer2(layer1(x).tanh()).tanh().reshape(-1)


def xor_loss(layer1: nn.Linear, layer2: nn.Linear) -> tuple[rp.Tensor, rp.Tensor]:
    s = xor_forward(layer1, layer2, rp.tensor(X2, dtype=rp.float64))
    return s, 0.5 * ((s - rp.tensor(Y2, dtype=rp.float64)) ** 2).sum()


def xor_gradient_by_hand(
    W1: list[list[float]], W2: list[list[float]], b1: list[float], b2: float
) -> tuple[list[list[float]], list[list[float]], list[float], float]:
    """Backpropagation written out, point by point, for J = 1/2 sum_k (s_k - y_k)^2:

    a_j = sum_i W1[j][i] x_i + b1[j],  h_j = tanh(a_j),  s = tanh(sum_j W2[0][j] h_j + b2)
    delta2   = (s - y) (1 - s^2)                       (= dJ/d(pre-activation of s))
    dJ/dW2[0][j] = sum_k delta2 h_j,                   dJ/db2 = sum_k delta2
    delta1_j = delta2 W2[0][j] (1 - h_j^2)
    dJ/dW1[j][i] = sum_k delta1_j x_i,                 dJ/db1[j] = sum_k delta1_j
    """
    gW1 = [[0.0, 0.0], [0.0, 0.0]]
    gW2 = [[0.0, 0.0]]
    gb1 = [0.0, 0.0]
    gb2 = 0.0
    for x, y in zip(X2, Y2):
        h = [math.tanh(W1[j][0] * x[0] + W1[j][1] * x[1] + b1[j]) for j in range(2)]
        s = math.tanh(W2[0][0] * h[0] + W2[0][1] * h[1] + b2)
        delta2 = (s - y) * (1 - s * s)
        gb2 += delta2
        for j in range(2):
            gW2[0][j] += delta2 * h[j]
            delta1 = delta2 * W2[0][j] * (1 - h[j] * h[j])
            gb1[j] += delta1
            for i in range(2):
                gW1[j][i] += delta1 * x[i]
    return gW1, gW2, gb1, gb2


def test_xor_first_gradients_match_the_hand_formulas():
    """With the slides' weights (and zero biases, our choice) every gradient of the first
    iteration, weights and biases, equals the hand formula to 1e-15 in float64; the first
    loss is J = 1.0045989809938..."""
    layer1, layer2 = xor_network(bias=True)
    _, J = xor_loss(layer1, layer2)
    J.backward()
    gW1, gW2, gb1, gb2 = xor_gradient_by_hand(W1_SLIDES, W2_SLIDES, [0.0, 0.0], 0.0)
    assert np.abs(layer1.weight.grad.numpy() - np.array(gW1)).max() <= 1e-15
    assert np.abs(layer2.weight.grad.numpy() - np.array(gW2)).max() <= 1e-15
    assert np.abs(layer1.bias.grad.numpy() - np.array(gb1)).max() <= 1e-15
    assert abs(layer2.bias.grad.item() - gb2) <= 1e-15
    assert abs(J.item() - 1.0045989809938138) <= 1e-15
    # the slides' weights give gradients that are not all zero: training does move them
    assert np.abs(np.array(gW1)).min() > 1e-3 and abs(gb2) > 1e-2


def train_xor(bias: bool, steps: int) -> tuple[list[float], rp.Tensor]:
    layer1, layer2 = xor_network(bias)
    params = list(layer1.parameters()) + list(layer2.parameters())
    losses = []
    for _ in range(steps):
        _, J = xor_loss(layer1, layer2)
        for p in params:
            p.grad = None
        J.backward()
        losses.append(J.item())
        with rp.no_grad():
            for p in params:
                p -= LR2 * p.grad
    s, J = xor_loss(layer1, layer2)
    return losses + [J.item()], s.detach()


def test_xor_without_biases_cannot_fit():
    """Without biases (the slides' network as drawn) the network is odd: tanh is odd and
    there is no constant term, so f(-x) = -f(x). The XOR points come in opposite pairs
    with EQUAL targets: (-1,-1) and (1,1) both 0, (-1,1) and (1,-1) both 1. So
    f(1,1) = -f(-1,-1) = -b and f(1,-1) = -f(-1,1) = -a, and

        J = 1/2 (b^2 + b^2) + 1/2 ((a - 1)^2 + (-a - 1)^2) = 1 + a^2 + b^2 >= 1

    for every choice of weights: at most one of the two target-1 points is above 1/2
    (accuracy <= 3/4), and the best the network can do is J = 1 with all outputs 0, where
    gradient descent (learning rate 0.1) goes: accuracy 1/2.
    """
    losses, s = train_xor(bias=False, steps=1500)
    assert min(losses) >= 1 - 1e-12
    assert losses[-1] < 1 + 1e-6 and losses[-1] < losses[0]
    assert np.abs(s.numpy()).max() < 1e-3


@given(st.lists(st.floats(-3, 3), min_size=6, max_size=6))
def test_xor_without_biases_is_odd_for_every_weight(weights):
    """f(-x) = -f(x) and J = 1 + a^2 + b^2 >= 1 (a = f(-1,1), b = f(-1,-1)) for any weights."""
    layer1 = nn.Linear(2, 2, bias=False, dtype=rp.float64)
    layer2 = nn.Linear(2, 1, bias=False, dtype=rp.float64)
    with rp.no_grad():
        layer1.weight.data[...] = np.reshape(weights[:4], (2, 2))
        layer2.weight.data[...] = np.reshape(weights[4:], (1, 2))
        x = rp.tensor(X2, dtype=rp.float64)
        s = xor_forward(layer1, layer2, x).numpy()
        s_neg = xor_forward(layer1, layer2, -x).numpy()
        _, J = xor_loss(layer1, layer2)
    np.testing.assert_array_equal(s_neg, -s)
    a, b = s[1], s[0]
    np.testing.assert_allclose(J.item(), 1 + a * a + b * b, rtol=1e-14)
    assert J.item() >= 1 - 1e-15


def test_xor_with_biases_fits():
    """With biases (starting at 0, our choice) the odd symmetry is broken and gradient
    descent (learning rate 0.1) from the slides' weights fits XOR: every point on the right
    side of 1/2 and J below 0.01 after 600 steps."""
    losses, s = train_xor(bias=True, steps=600)
    assert np.all((s.numpy() > 0.5) == (np.array(Y2) > 0.5))
    assert losses[-1] < 0.01
    assert losses[0] > 1
