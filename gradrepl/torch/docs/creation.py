"""Help for creating tensors, random numbers, dtypes and devices (our own words, torch's signatures).

Each entry: torch name -> (documented signature, what it does, an example). The example's output is
not typed here: ``scripts/record_doc_examples.py`` records it from real PyTorch into
``examples.json`` and a test checks that gradrepl prints the same.
"""

DOCS = {
    "torch.tensor": (
        "tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor",
        "A new tensor holding a copy of data: a number, a (nested) list or tuple, or a numpy array.\n"
        "The dtype is inferred (float32 for Python floats, int64 for ints) unless dtype is given.\n"
        "requires_grad=True makes it a leaf whose .grad backward() fills.",
        "torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)",
    ),
    "torch.as_tensor": (
        "as_tensor(data, dtype=None, device=None) -> Tensor",
        "Like torch.tensor, but shares memory with data when it already is a tensor or a numpy\n"
        "array of the right dtype, instead of copying it.",
        "torch.as_tensor([1, 2, 3], dtype=torch.float64)",
    ),
    "torch.from_numpy": (
        "from_numpy(ndarray) -> Tensor",
        "A tensor sharing memory with a numpy array: changing one changes the other.",
        "import numpy as np\ntorch.from_numpy(np.array([1.5, 2.5]))",
    ),
    "torch.zeros": (
        "zeros(*size, *, out=None, dtype=None, layout=torch.strided, device=None, requires_grad=False) -> Tensor",
        "A tensor of the given shape filled with 0.",
        "torch.zeros(2, 3)",
    ),
    "torch.ones": (
        "ones(*size, *, out=None, dtype=None, layout=torch.strided, device=None, requires_grad=False) -> Tensor",
        "A tensor of the given shape filled with 1.",
        "torch.ones(2, 2, requires_grad=True)",
    ),
    "torch.full": (
        "full(size, fill_value, *, out=None, dtype=None, layout=torch.strided, device=None, requires_grad=False) -> Tensor",
        "A tensor of shape size with every element equal to fill_value (its dtype follows fill_value).",
        "torch.full((2, 3), 7.)",
    ),
    "torch.empty": (
        "empty(*size, *, out=None, dtype=None, layout=torch.strided, device=None, requires_grad=False, "
        "pin_memory=False, memory_format=torch.contiguous_format) -> Tensor",
        "A tensor of the given shape whose values are not initialised: fill it before reading it.",
        "torch.empty(2, 3).shape",
    ),
    "torch.zeros_like": (
        "zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, "
        "memory_format=torch.preserve_format) -> Tensor",
        "Zeros with the shape and dtype of input.",
        "torch.zeros_like(torch.tensor([[1., 2.], [3., 4.]]))",
    ),
    "torch.ones_like": (
        "ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, "
        "memory_format=torch.preserve_format) -> Tensor",
        "Ones with the shape and dtype of input; handy as the gradient argument of backward().",
        "torch.ones_like(torch.tensor([1., 2., 3.]))",
    ),
    "torch.full_like": (
        "full_like(input, fill_value, *, dtype=None, layout=torch.strided, device=None, requires_grad=False, "
        "memory_format=torch.preserve_format) -> Tensor",
        "A tensor shaped like input, filled with fill_value (in input's dtype unless dtype is given).",
        "torch.full_like(torch.zeros(2, 2), 0.5)",
    ),
    "torch.empty_like": (
        "empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, "
        "memory_format=torch.preserve_format) -> Tensor",
        "An uninitialised tensor shaped like input.",
        "torch.empty_like(torch.zeros(2, 3)).shape",
    ),
    "torch.arange": (
        "arange(start=0, end, step=1, *, out=None, dtype=None, layout=torch.strided, device=None, "
        "requires_grad=False) -> Tensor",
        "The numbers from start up to, but not including, end, step apart. Integer arguments give\n"
        "an int64 tensor; any float argument gives the default float dtype.",
        "torch.arange(0., 1., 0.25)",
    ),
    "torch.linspace": (
        "linspace(start, end, steps, *, out=None, dtype=None, layout=torch.strided, device=None, "
        "requires_grad=False) -> Tensor",
        "steps evenly spaced numbers from start to end, both included.",
        "torch.linspace(0, 1, steps=5)",
    ),
    "torch.eye": (
        "eye(n, m=None, *, out=None, dtype=None, layout=torch.strided, device=None, requires_grad=False) -> Tensor",
        "The n x m identity matrix: ones on the diagonal, zeros elsewhere (square when m is omitted).",
        "torch.eye(3)",
    ),
    "torch.FloatTensor": (
        "FloatTensor(data) or FloatTensor(*size)",
        "Legacy constructor of a float32 tensor: from data, or uninitialised of a shape.\n"
        "Prefer torch.tensor(data, dtype=torch.float32).",
        "torch.FloatTensor([1, 2])",
    ),
    "torch.LongTensor": (
        "LongTensor(data) or LongTensor(*size)",
        "Legacy constructor of an int64 tensor. Prefer torch.tensor(data, dtype=torch.long).",
        "torch.LongTensor([1, 2])",
    ),
    "torch.is_tensor": (
        "is_tensor(obj) -> bool",
        "True when obj is a tensor (isinstance(obj, torch.Tensor)).",
        "torch.is_tensor(torch.ones(1)), torch.is_tensor([1.])",
    ),
    "torch.numel": (
        "numel(input) -> int",
        "The number of elements of input (the product of its shape).",
        "torch.numel(torch.zeros(2, 3))",
    ),
    "torch.is_floating_point": (
        "is_floating_point(input) -> bool",
        "True when input's dtype is a floating point type (float16, float32, float64).",
        "torch.is_floating_point(torch.tensor([1, 2]))",
    ),
    # --- random numbers -------------------------------------------------------------------------
    "torch.manual_seed": (
        "manual_seed(seed) -> torch.Generator",
        "Seed the default random number generator, so that rand, randn, randint ... give the same\n"
        "numbers as PyTorch gives after the same seed.",
        "torch.manual_seed(0)\ntorch.rand(2)",
    ),
    "torch.seed": (
        "seed() -> int",
        "Seed the default generator with a non-deterministic number and return it.",
        "type(torch.seed())",
    ),
    "torch.initial_seed": (
        "initial_seed() -> int",
        "The seed the default generator was last seeded with.",
        "torch.manual_seed(42)\ntorch.initial_seed()",
    ),
    "torch.get_rng_state": (
        "get_rng_state() -> Tensor",
        "The default generator's state as a uint8 tensor; torch.set_rng_state(state) restores it.",
        "state = torch.get_rng_state()\na = torch.rand(2)\ntorch.set_rng_state(state)\ntorch.equal(a, torch.rand(2))",
    ),
    "torch.set_rng_state": (
        "set_rng_state(new_state) -> None",
        "Restore the default generator to a state returned by torch.get_rng_state().",
        "state = torch.get_rng_state()\na = torch.rand(1)\ntorch.set_rng_state(state)\ntorch.equal(a, torch.rand(1))",
    ),
    "torch.rand": (
        "rand(*size, *, generator=None, out=None, dtype=None, layout=torch.strided, device=None, "
        "requires_grad=False, pin_memory=False) -> Tensor",
        "Random numbers drawn uniformly from [0, 1).",
        "torch.manual_seed(0)\ntorch.rand(2, 2)",
    ),
    "torch.randn": (
        "randn(*size, *, generator=None, out=None, dtype=None, layout=torch.strided, device=None, "
        "requires_grad=False, pin_memory=False) -> Tensor",
        "Random numbers from the standard normal distribution (mean 0, variance 1).",
        "torch.manual_seed(0)\ntorch.randn(3)",
    ),
    "torch.randint": (
        "randint(low=0, high, size, *, generator=None, out=None, dtype=None, layout=torch.strided, "
        "device=None, requires_grad=False) -> Tensor",
        "Random integers from low (included) to high (excluded), in a tensor of shape size (a tuple).",
        "torch.manual_seed(0)\ntorch.randint(0, 10, (5,))",
    ),
    "torch.randperm": (
        "randperm(n, *, generator=None, out=None, dtype=torch.int64, layout=torch.strided, device=None, "
        "requires_grad=False, pin_memory=False) -> Tensor",
        "A random ordering of the integers 0 to n - 1.",
        "torch.manual_seed(0)\ntorch.randperm(5)",
    ),
    "torch.rand_like": (
        "rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False, "
        "memory_format=torch.preserve_format) -> Tensor",
        "Uniform random numbers in [0, 1) shaped like input.",
        "torch.manual_seed(0)\ntorch.rand_like(torch.zeros(2))",
    ),
    "torch.randn_like": (
        "randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False, "
        "memory_format=torch.preserve_format) -> Tensor",
        "Standard normal random numbers shaped like input.",
        "torch.manual_seed(0)\ntorch.randn_like(torch.zeros(2))",
    ),
    "torch.normal": (
        "normal(mean, std, size, *, generator=None, out=None) -> Tensor",
        "Random numbers from a normal distribution with the given mean and standard deviation.",
        "torch.manual_seed(0)\ntorch.normal(2., 3., size=(3,))",
    ),
    "torch.Generator": (
        "Generator(device='cpu') -> Generator",
        "A random number generator of its own, to pass as generator= so that a stream of random\n"
        "numbers does not depend on the default generator.",
        "g = torch.Generator().manual_seed(0)\ntorch.rand(2, generator=g)",
    ),
    # --- dtypes, devices, shapes ----------------------------------------------------------------
    "torch.get_default_dtype": (
        "get_default_dtype() -> torch.dtype",
        "The dtype of tensors made from Python floats (torch.float32 unless changed).",
        "torch.get_default_dtype()",
    ),
    "torch.set_default_dtype": (
        "set_default_dtype(d) -> None",
        "Make d (torch.float32 or torch.float64) the dtype of tensors made from Python floats.",
        "torch.set_default_dtype(torch.float64)\nprint(torch.tensor(1.5).dtype)\ntorch.set_default_dtype(torch.float32)",
    ),
    "torch.promote_types": (
        "promote_types(type1, type2) -> dtype",
        "The dtype an operation on type1 and type2 tensors computes in.",
        "torch.promote_types(torch.int64, torch.float32)",
    ),
    "torch.result_type": (
        "result_type(tensor1, tensor2) -> dtype",
        "The dtype of tensor1 op tensor2: like promote_types, but a Python number or a 0-dim tensor\n"
        "does not promote a tensor of the same kind.",
        "torch.result_type(torch.tensor([1, 2]), 1.0)",
    ),
    "torch.Size": (
        "Size(iterable=(), /)",
        "A tensor's shape: a tuple of ints, printed as torch.Size([2, 3]).",
        "torch.zeros(2, 3).shape",
    ),
    "torch.device": (
        "device(type, index=None)",
        "Where a tensor lives. gradrepl runs on the CPU: torch.device('cpu').",
        "torch.device('cpu')",
    ),
    "torch.set_printoptions": (
        "set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, "
        "sci_mode=None)",
        "How tensors print: digits after the point (precision, 4 by default), how many elements before\n"
        "the middle is summarised with ... (threshold), the width of a line, and scientific notation.\n"
        "profile='default' puts everything back.",
        "torch.set_printoptions(precision=2)\nprint(torch.tensor([1/3, 2/3]))\ntorch.set_printoptions(profile='default')",
    ),
    # --- torch.cuda: there is no GPU in gradrepl ----------------------------------------------
    "torch.cuda.is_available": (
        "is_available() -> bool",
        "True when a CUDA GPU can be used. Always False in gradrepl, which runs on the CPU; lessons\n"
        "that pick device = 'cuda' if torch.cuda.is_available() else 'cpu' run unchanged.",
        "torch.cuda.is_available()",
    ),
    "torch.cuda.device_count": (
        "device_count() -> int",
        "The number of CUDA GPUs: 0 in gradrepl.",
        "torch.cuda.device_count()",
    ),
    "torch.cuda.manual_seed": (
        "manual_seed(seed) -> None",
        "Seed the GPU's random number generator. Without a GPU it does nothing (seed the CPU with\n"
        "torch.manual_seed).",
        None,
    ),
}
