using System.Numerics;

namespace Segmentation.ML.Models.Checkpoints.PyTorch;

/// <summary>
/// The Python globals a state dict needs, and their meaning: <c>collections.OrderedDict</c>, the tensor and parameter
/// rebuild functions of <c>torch._utils</c>, <c>torch.Size</c> and the typed storage classes (also under
/// <c>torch.cuda</c>, which old GPU-saved files name; data always loads on the CPU). The unpickler interprets these
/// itself; no other name can be imported.
/// </summary>
internal static class TorchGlobals
{
    private static readonly Dictionary<string, PickleGlobal> Allowed = Build();

    /// <summary>The allowed names, storages summarised, for error messages.</summary>
    public static IEnumerable<string> AllowedNames =>
        Allowed.Values.Where(g => g.Kind != GlobalKind.Storage).Select(g => g.Name).Append("torch.<Float|Half|BFloat16|Double|Long|Int|Short|Char|Byte|Bool>Storage");

    public static bool TryResolve(string fullName, out PickleGlobal global) => Allowed.TryGetValue(fullName, out global!);

    /// <summary>Interprets a REDUCE of an allowed global.</summary>
    public static object Call(PickleGlobal global, object?[] arguments, RestrictedUnpickler context)
    {
        switch (global.Kind)
        {
            case GlobalKind.OrderedDict:
                return NewOrderedDict(arguments, context);
            case GlobalKind.RebuildTensor:
                Expect(global, arguments, 4, 4, context);
                return RebuildTensor(arguments, context);
            case GlobalKind.RebuildTensorV2:
                Expect(global, arguments, 6, 7, context);
                return RebuildTensor(arguments, context);
            case GlobalKind.RebuildParameter:
            case GlobalKind.RebuildParameterWithState:
                Expect(global, arguments, global.Kind == GlobalKind.RebuildParameter ? 3 : 4, global.Kind == GlobalKind.RebuildParameter ? 3 : 4, context);
                return arguments[0] as TensorRecord ?? throw context.Error($"{global.Name} needs a tensor; it was given a {PickleValues.TypeName(arguments[0])}.");
            case GlobalKind.TorchSize:
                Expect(global, arguments, 1, 1, context);
                return arguments[0] as object?[] ?? throw context.Error($"torch.Size needs a tuple; it was given a {PickleValues.TypeName(arguments[0])}.");
            default:
                throw context.Error($"{global.Name} is a storage type, not something a state dict calls.");
        }
    }

    private static PickleDict NewOrderedDict(object?[] arguments, RestrictedUnpickler context)
    {
        var dict = new PickleDict();
        if (arguments.Length == 0) return dict;
        if (arguments.Length != 1 || arguments[0] is not (List<object?> or object?[]))
            throw context.Error("OrderedDict takes nothing or one list of (key, value) pairs.");
        foreach (var pair in (IEnumerable<object?>)arguments[0]!)
        {
            var items = pair switch
            {
                object?[] { Length: 2 } tuple => tuple,
                List<object?> { Count: 2 } list => list.ToArray(),
                _ => throw context.Error($"OrderedDict's pairs must be (key, value); one is a {PickleValues.TypeName(pair)}."),
            };
            if (!dict.TrySet(items[0], items[1]))
                throw context.Error($"a dict key is a {PickleValues.TypeName(items[0])}; state dict keys are strings.");
        }
        return dict;
    }

    /// <summary><c>_rebuild_tensor(storage, storage_offset, size, stride, …)</c>; the further v2 arguments (requires_grad, hooks, metadata) do not matter for values.</summary>
    private static TensorRecord RebuildTensor(object?[] arguments, RestrictedUnpickler context)
    {
        if (arguments[0] is not TorchStorage storage)
            throw context.Error($"a tensor's first argument must be a storage; it is a {PickleValues.TypeName(arguments[0])}.");
        long offset = Integer(arguments[1], "storage offset", context);
        if (arguments[2] is not object?[] size || arguments[3] is not object?[] stride)
            throw context.Error($"a tensor's size and stride must be tuples; they are {PickleValues.TypeName(arguments[2])} and {PickleValues.TypeName(arguments[3])}.");
        if (size.Length != stride.Length)
            throw context.Error($"a tensor has {size.Length} sizes but {stride.Length} strides.");
        var shape = new int[size.Length];
        var strides = new long[size.Length];
        for (int d = 0; d < size.Length; d++)
        {
            long dimension = Integer(size[d], "size", context);
            if (dimension is < 0 or > int.MaxValue) throw context.Error($"a tensor dimension is {dimension}; dimensions lie in [0, {int.MaxValue}].");
            shape[d] = (int)dimension;
            strides[d] = Integer(stride[d], "stride", context);
        }
        return new TensorRecord(storage, offset, shape, strides);
    }

    private static long Integer(object? value, string what, RestrictedUnpickler context) => value switch
    {
        long integer => integer,
        BigInteger => throw context.Error($"a tensor's {what} does not fit in 64 bits."),
        _ => throw context.Error($"a tensor's {what} must be an int; it is a {PickleValues.TypeName(value)}."),
    };

    private static void Expect(PickleGlobal global, object?[] arguments, int min, int max, RestrictedUnpickler context)
    {
        if (arguments.Length < min || arguments.Length > max)
            throw context.Error($"{global.Name} takes {(min == max ? $"{min}" : $"{min} to {max}")} arguments; it was given {arguments.Length}.");
    }

    private static Dictionary<string, PickleGlobal> Build()
    {
        var globals = new Dictionary<string, PickleGlobal>(StringComparer.Ordinal);
        void Add(string name, GlobalKind kind, CheckpointDType dtype = default) => globals[name] = new PickleGlobal(name, kind, dtype);
        Add("collections.OrderedDict", GlobalKind.OrderedDict);
        Add("torch._utils._rebuild_tensor", GlobalKind.RebuildTensor);
        Add("torch._utils._rebuild_tensor_v2", GlobalKind.RebuildTensorV2);
        Add("torch._utils._rebuild_parameter", GlobalKind.RebuildParameter);
        Add("torch._utils._rebuild_parameter_with_state", GlobalKind.RebuildParameterWithState);
        Add("torch.Size", GlobalKind.TorchSize);
        (string Name, CheckpointDType DType)[] storages =
        [
            ("Float", CheckpointDType.F32), ("Half", CheckpointDType.F16), ("BFloat16", CheckpointDType.BF16),
            ("Double", CheckpointDType.F64), ("Long", CheckpointDType.I64), ("Int", CheckpointDType.I32),
            ("Short", CheckpointDType.I16), ("Char", CheckpointDType.I8), ("Byte", CheckpointDType.U8), ("Bool", CheckpointDType.Bool),
        ];
        foreach (var (name, dtype) in storages)
        {
            Add($"torch.{name}Storage", GlobalKind.Storage, dtype);
            Add($"torch.cuda.{name}Storage", GlobalKind.Storage, dtype);
        }
        return globals;
    }
}
