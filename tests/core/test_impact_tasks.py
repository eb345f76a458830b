"""The impact tasks (backends/training/tasks.py, numpy only): each batch is what its task says, the same seed
gives the same batches, and the trivial predictor's loss is what a large sample of targets measures."""

import numpy as np

from backends.training import tasks


def test_adding_targets_are_the_sum_of_the_two_marked_values_one_marker_per_half():
    """Every row has exactly two markers, one in each half, and its target is the sum of the marked values."""
    x, y = tasks.adding(10).make(np.random.RandomState(3), 50)
    assert x.shape == (50, 10, 2) and y.shape == (50, 1, 1)
    marks = x[:, :, 1]
    assert (marks.sum(axis=1) == 2).all()
    assert (marks[:, :5].sum(axis=1) == 1).all() and (marks[:, 5:].sum(axis=1) == 1).all()
    np.testing.assert_allclose(y[:, 0, 0], (x[:, :, 0] * marks).sum(axis=1), rtol=1e-6)


def test_adding_trivial_loss_is_the_measured_variance_of_its_targets():
    task = tasks.adding(40)
    _, y = task.make(np.random.RandomState(0), 20000)
    assert abs(float(y.var()) - task.trivial_loss) < 0.01


def test_copy_recalls_the_first_symbols_after_the_marker():
    """The targets are the symbols given one-hot in the first steps; the marker sits right before the recall."""
    task = tasks.copy(6, symbols=3)
    x, y = task.make(np.random.RandomState(1), 20)
    assert x.shape == (20, 12, tasks.COPY_ALPHABET + 2) and y.shape == (20, 3)
    np.testing.assert_array_equal(x[:, :3, : tasks.COPY_ALPHABET].argmax(axis=-1), y)
    assert (x[:, 8, tasks.COPY_ALPHABET + 1] == 1).all() and x[:, :, tasks.COPY_ALPHABET + 1].sum() == 20


def test_charlm_targets_are_the_next_characters_of_the_shipped_text():
    task = tasks.charlm(16)
    x, y = task.make(np.random.RandomState(2), 8)
    assert x.shape == (8, 16, task.input_dim) and y.shape == (8, 16)
    np.testing.assert_array_equal(x[:, 1:].argmax(axis=-1), y[:, :-1])
    assert 1.0 < task.trivial_loss < np.log(task.input_dim)


def test_the_same_seed_gives_the_same_batches_and_another_seed_others():
    task = tasks.adding(20)
    a = [task.make(np.random.RandomState(7), 4)[0] for _ in range(2)]
    b = task.make(np.random.RandomState(8), 4)[0]
    np.testing.assert_array_equal(a[0], a[1])
    assert not np.array_equal(a[0], b)


def test_user_arrays_hold_out_their_last_fifth_as_the_test_set():
    """Integer targets are classes (their entropy the trivial loss); the test set is never drawn for training."""
    inputs = np.arange(50 * 3 * 2, dtype=np.float32).reshape(50, 3, 2)
    targets = np.arange(50) % 2
    task = tasks.from_arrays("mine", inputs, targets)
    test_x, test_y = task.test_set(512)
    np.testing.assert_array_equal(test_x, inputs[40:])
    train_x, _ = task.make(np.random.RandomState(0), 200)
    assert train_x[:, 0, 0].max() < inputs[40, 0, 0]
    assert (task.loss, task.out_steps) == ("xent", 1) and abs(task.trivial_loss - np.log(2)) < 1e-9
