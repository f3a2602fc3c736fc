"""A student's nnCostFunction for ex4, in numpy. It is WRONG ON PURPOSE.

It has one mistake, a classic of ex4 solutions, for you to find with the
checker rather than by reading. From the repository's folder:

    python -m engine check examples/ex4_student.py:nnCostFunction --preset debug

runs it on the exercise's 3-5-3 gradient-checking network (weights
sin(1..n)/10, 5 examples) and prints every quantity it returned next to the
engine's, the first one that differs, and the mistake that explains it.
nnCostFunction returns (J, grad) as ex4's does, so the checker can only see
that D^(1) is wrong. ``backprop_steps`` returns every intermediate value, which
pins it to the very step:

    python -m engine check examples/ex4_student.py:backprop_steps --preset debug

In Python: ``engine.check_backprop(nnCostFunction, net, X, Y)``.  The answer
is at the bottom of this file.

The signature is the checker's: fn(thetas, X, Y, lam) with thetas = [Theta1,
Theta2] (bias weights in column 0), X one row per example and Y one-hot, one
row per example.
"""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):
    g = sigmoid(z)
    return g * (1.0 - g)


def backprop_steps(thetas, X, Y, lam):
    """Every value of forward and back propagation, as a dict the checker reads."""
    Theta1, Theta2 = thetas
    m = X.shape[0]

    # Part 1: feedforward, vectorized; a1 and a2 carry the bias unit's column of ones.
    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    z3 = a2 @ Theta2.T
    a3 = sigmoid(z3)  # h_theta(x)

    J = -np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m
    J += lam / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    # Part 2: backpropagation, one example at a time as the exercise suggests.
    Delta1 = np.zeros(Theta1.shape)
    Delta2 = np.zeros(Theta2.shape)
    delta2_rows, delta3_rows = [], []
    for t in range(m):
        a1t = a1[t, :, None]          # column vectors, as in the notes
        a2t = a2[t, :, None]
        delta3 = a3[t, :, None] - Y[t, :, None]
        delta2 = (Theta2.T @ delta3)[1:] * sigmoidGradient(a2t[1:])
        Delta2 += delta3 @ a2t.T
        Delta1 += delta2 @ a1t.T
        delta2_rows.append(delta2.ravel())
        delta3_rows.append(delta3.ravel())

    # Part 3: regularization, leaving the bias column alone.
    Theta1_grad = Delta1 / m
    Theta2_grad = Delta2 / m
    Theta1_grad[:, 1:] += lam / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lam / m * Theta2[:, 1:]

    return {"J": J, "a": [a1, a2, a3], "z": [z2, z3],
            "delta": [np.array(delta2_rows), np.array(delta3_rows)],
            "Delta": [Delta1, Delta2], "D": [Theta1_grad, Theta2_grad]}


def nnCostFunction(thetas, X, Y, lam):
    """J and the gradient unrolled as ex4 does: [Theta1_grad(:); Theta2_grad(:)]."""
    steps = backprop_steps(thetas, X, Y, lam)
    grad = np.concatenate([D.ravel(order="F") for D in steps["D"]])
    return steps["J"], grad


# The answer: delta2 takes sigmoidGradient(a2), g' at the activation, where
# the notes' δ^(2) = (Θ^(2))ᵀ δ^(3) .* g'(z^(2)) needs sigmoidGradient(z2[t])
# (or a2t[1:] * (1 - a2t[1:]), which is the same number).
