using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Segmentation.ML.Models.Checkpoints.PyTorch;

/// <summary>
/// A pickle interpreter that builds plain data and never runs or imports anything. It implements the opcodes of
/// protocols 2–5 that <c>torch.save</c> state dicts use (Python's <c>pickletools</c> documents each), resolves
/// GLOBAL and STACK_GLOBAL only against <see cref="TorchGlobals"/> — anything else is refused on sight with an
/// <see cref="UnsafeCheckpointException"/> — and interprets REDUCE for those few callables itself. Every length is
/// checked against the bytes left before anything is allocated, and every opcode consumes input, so no input can
/// make it loop, recurse or allocate beyond the size of the file.
/// </summary>
internal sealed class RestrictedUnpickler
{
    private const int MaxLineLength = 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Stream stream;
    private readonly long end;
    private readonly string? source;
    private readonly string entry;
    private readonly Func<object?, string, TorchStorage> persistentLoad;
    private readonly Dictionary<long, object?> memo = [];
    private readonly Stack<List<object?>> metastack = new();
    private List<object?> stack = [];
    private readonly long start;
    private readonly long maxLength;
    private readonly bool limited;
    private long opcodeOffset;
    private long built;

    /// <summary>
    /// The memory the built values may hold per pickle byte read, as <see cref="EstimatedSize"/> and the costs below
    /// count it: torch.save's pickles of VGG and MobileNetV2 state dicts build 14 to 20 bytes per byte.
    /// </summary>
    public const int MaxBytesBuiltPerByteRead = 64;

    private const long BuiltAllowance = 1 << 20;
    private const int SlotCost = 8, MarkCost = 40, MemoCost = 48, ItemCost = 16, DictItemCost = 64, EmptyDictCost = 200;

    /// <param name="stream">A seekable stream positioned at the pickle's first opcode.</param>
    /// <param name="end">The position the pickle may not read past.</param>
    /// <param name="source">The checkpoint's name, for errors.</param>
    /// <param name="entry">Where the pickle lives (a zip entry, or a part of a legacy file), for errors.</param>
    /// <param name="persistentLoad">Turns a persistent id into a storage; receives the id and a location for errors.</param>
    /// <param name="maxLength">The longest pickle accepted (<see cref="CheckpointLimits.MaxMetadataBytes"/>).</param>
    public RestrictedUnpickler(Stream stream, long end, string? source, string entry, Func<object?, string, TorchStorage> persistentLoad, long maxLength)
    {
        this.stream = stream;
        start = stream.Position;
        this.maxLength = maxLength;
        limited = end - start > maxLength;
        this.end = limited ? start + maxLength : end;
        this.source = source;
        this.entry = entry;
        this.persistentLoad = persistentLoad;
    }

    /// <summary>The current location, e.g. <c>archive/data.pkl, byte 1421</c>, for errors raised while interpreting.</summary>
    public string Location => $"{entry}, byte {opcodeOffset}";

    /// <summary>Interprets opcodes up to and including STOP and returns the value it leaves.</summary>
    public object? Load()
    {
        while (true)
        {
            opcodeOffset = stream.Position;
            byte opcode = ReadByte();
            switch (opcode)
            {
                case 0x80: // PROTO
                    byte protocol = ReadByte();
                    if (protocol > 5) throw Error($"pickle protocol {protocol} is newer than 5, the highest Python knows.");
                    break;
                case 0x95: // FRAME: a length hint only
                    ReadBytes(8);
                    break;
                case (byte)'.': // STOP
                    return Pop();
                case (byte)'(': // MARK
                    Charge(MarkCost);
                    metastack.Push(stack);
                    stack = [];
                    break;
                case (byte)'0': // POP
                    if (stack.Count > 0) Pop();
                    else PopMark();
                    break;
                case (byte)'1': // POP_MARK
                    PopMark();
                    break;
                case (byte)'2': // DUP
                    PushReference(Peek());
                    break;

                case (byte)'q': // BINPUT
                    Memoize(ReadByte());
                    break;
                case (byte)'r': // LONG_BINPUT
                    Memoize(ReadUInt32());
                    break;
                case 0x94: // MEMOIZE
                    Memoize(memo.Count);
                    break;
                case (byte)'h': // BINGET
                    PushReference(Recall(ReadByte()));
                    break;
                case (byte)'j': // LONG_BINGET
                    PushReference(Recall(ReadUInt32()));
                    break;

                case (byte)'N': // NONE
                    Push(null);
                    break;
                case 0x88: // NEWTRUE
                    Push(true);
                    break;
                case 0x89: // NEWFALSE
                    Push(false);
                    break;
                case (byte)'J': // BININT
                    Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4)));
                    break;
                case (byte)'K': // BININT1
                    Push((long)ReadByte());
                    break;
                case (byte)'M': // BININT2
                    Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2)));
                    break;
                case 0x8a: // LONG1
                    Push(Integer(ReadBytes(ReadByte())));
                    break;
                case 0x8b: // LONG4
                    Push(Integer(ReadBytes(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))))));
                    break;
                case (byte)'G': // BINFLOAT, big-endian
                    Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8)));
                    break;

                case (byte)'X': // BINUNICODE
                    Push(Text(ReadBytes(ReadUInt32())));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    Push(Text(ReadBytes(ReadByte())));
                    break;
                case 0x8d: // BINUNICODE8
                    Push(Text(ReadBytes(ReadLength(BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8))))));
                    break;
                case (byte)'U': // SHORT_BINSTRING: a Python 2 str, decoded as torch.load decodes it (UTF-8)
                    Push(Text(ReadBytes(ReadByte())));
                    break;
                case (byte)'T': // BINSTRING
                    Push(Text(ReadBytes(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))))));
                    break;
                case (byte)'C': // SHORT_BINBYTES
                    Push(ReadBytes(ReadByte()));
                    break;
                case (byte)'B': // BINBYTES
                    Push(ReadBytes(ReadUInt32()));
                    break;
                case 0x8e: // BINBYTES8
                    Push(ReadBytes(ReadLength(BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8)))));
                    break;

                case (byte)')': // EMPTY_TUPLE
                    PushReference(Array.Empty<object?>());
                    break;
                case (byte)'t': // TUPLE
                    Push(PopMark().ToArray());
                    break;
                case 0x85: // TUPLE1
                    Push(new[] { Pop() });
                    break;
                case 0x86: // TUPLE2
                    {
                        var second = Pop();
                        Push(new[] { Pop(), second });
                        break;
                    }
                case 0x87: // TUPLE3
                    {
                        var third = Pop();
                        var second = Pop();
                        Push(new[] { Pop(), second, third });
                        break;
                    }
                case (byte)']': // EMPTY_LIST
                    Push(new List<object?>());
                    break;
                case (byte)'l': // LIST
                    Push(PopMark());
                    break;
                case (byte)'a': // APPEND
                    {
                        var item = Pop();
                        TargetList().Add(item);
                        Charge(ItemCost);
                        break;
                    }
                case (byte)'e': // APPENDS
                    {
                        var items = PopMark();
                        TargetList().AddRange(items);
                        Charge(ItemCost * items.Count);
                        break;
                    }
                case (byte)'}': // EMPTY_DICT
                    Push(new PickleDict());
                    break;
                case (byte)'d': // DICT
                    {
                        var dict = new PickleDict();
                        SetItems(dict, PopMark());
                        Push(dict);
                        break;
                    }
                case (byte)'s': // SETITEM
                    {
                        var value = Pop();
                        var key = Pop();
                        SetItems(TargetDict(), [key, value]);
                        break;
                    }
                case (byte)'u': // SETITEMS
                    {
                        var items = PopMark();
                        SetItems(TargetDict(), items);
                        break;
                    }

                case (byte)'c': // GLOBAL
                    {
                        string module = ReadLine();
                        PushReference(Resolve(module, ReadLine()));
                        break;
                    }
                case 0x93: // STACK_GLOBAL
                    {
                        var name = Pop();
                        var module = Pop();
                        if (module is not string moduleName || name is not string globalName)
                            throw Error($"STACK_GLOBAL needs two strings; it found {PickleValues.TypeName(module)} and {PickleValues.TypeName(name)}.");
                        PushReference(Resolve(moduleName, globalName));
                        break;
                    }
                case (byte)'i': // INST imports a class like GLOBAL does: refuse it the same way, then as unsupported
                    Resolve(ReadLine(), ReadLine());
                    throw Unsupported(opcode);
                case (byte)'R': // REDUCE
                    {
                        var arguments = Pop();
                        var callable = Pop();
                        if (callable is not PickleGlobal global)
                            throw Error($"REDUCE calls a {PickleValues.TypeName(callable)}, which is not callable.");
                        if (arguments is not object?[] tuple)
                            throw Error($"REDUCE needs an argument tuple; it found {PickleValues.TypeName(arguments)}.");
                        Push(TorchGlobals.Call(global, tuple, this));
                        break;
                    }
                case 0x81: // NEWOBJ: cls.__new__(cls, *args), allowed for OrderedDict only
                    {
                        var arguments = Pop();
                        var cls = Pop();
                        if (cls is not PickleGlobal { Kind: GlobalKind.OrderedDict } || arguments is not object?[] { Length: 0 })
                            throw Error($"NEWOBJ may only create an empty OrderedDict; it was asked to create a {PickleValues.TypeName(cls)}.");
                        Push(new PickleDict());
                        break;
                    }
                case (byte)'b': // BUILD: only an OrderedDict's attributes (torch's _metadata), which a state dict does not need
                    {
                        var state = Pop();
                        var target = Peek();
                        if (target is not PickleDict)
                            throw Error($"BUILD may only set the attributes of an OrderedDict; it targets a {PickleValues.TypeName(target)}.");
                        if (state is not (PickleDict or null or object?[]))
                            throw Error($"BUILD's state for an OrderedDict must be a dict; it is a {PickleValues.TypeName(state)}.");
                        break;
                    }
                case (byte)'Q': // BINPERSID
                    Push(persistentLoad(Pop(), Location));
                    break;
                default:
                    throw Unsupported(opcode);
            }
        }
    }

    /// <summary>A format error at the current opcode.</summary>
    public CheckpointFormatException Error(string reason) => new(reason, source, Location);

    private CheckpointFormatException Unsupported(byte opcode) => Error(
        $"pickle opcode 0x{opcode:X2}{(opcode is >= 0x20 and < 0x7f ? $" ('{(char)opcode}')" : "")} is not supported: " +
        "torch.save never writes it for a state dict, and the restricted unpickler does not need it.");

    private PickleGlobal Resolve(string module, string name)
    {
        string fullName = $"{module}.{name}";
        return TorchGlobals.TryResolve(fullName, out var global)
            ? global
            : throw new UnsafeCheckpointException(fullName, source, Location, TorchGlobals.AllowedNames);
    }

    /// <summary>Pushes a value just built, charging the memory it holds.</summary>
    private void Push(object? value)
    {
        Charge(SlotCost + EstimatedSize(value));
        stack.Add(value);
    }

    /// <summary>Pushes a value that exists already (memo, DUP, an allowed global): only the stack slot costs.</summary>
    private void PushReference(object? value)
    {
        Charge(SlotCost);
        stack.Add(value);
    }

    private void Memoize(long key)
    {
        Charge(MemoCost);
        memo[key] = Peek();
    }

    /// <summary>
    /// Counts memory the values being built hold, and refuses a pickle that builds more than
    /// <see cref="MaxBytesBuiltPerByteRead"/> per byte read so far: a few kilobytes of opcodes each creating a dict
    /// must not turn into gigabytes.
    /// </summary>
    private void Charge(long bytes)
    {
        built += bytes;
        if (built > MaxBytesBuiltPerByteRead * (stream.Position - start) + BuiltAllowance)
            throw Error($"the pickle builds more values than a state dict of its length can (over {MaxBytesBuiltPerByteRead} bytes of memory per byte read); " +
                        "it is malformed or made to exhaust memory.");
    }

    /// <summary>Upper estimates of what the built values occupy on a 64-bit runtime, by type.</summary>
    private static long EstimatedSize(object? value) => value switch
    {
        null => 0,
        string text => 24 + 2L * text.Length,
        byte[] bytes => 24 + bytes.Length,
        object?[] tuple => 24 + 8L * tuple.Length,
        List<object?> list => 32 + 8L * list.Count,
        PickleDict dict => EmptyDictCost + DictItemCost * dict.Items.Count,
        BigInteger integer => 40 + integer.GetByteCount(),
        TensorRecord tensor => 64 + 12L * tensor.Shape.Length,
        _ => 32,
    };

    private object? Pop()
    {
        if (stack.Count == 0) throw Error("the pickle pops from an empty stack.");
        var value = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    private object? Peek() => stack.Count > 0 ? stack[^1] : throw Error("the pickle reads from an empty stack.");

    private List<object?> PopMark()
    {
        if (metastack.Count == 0) throw Error("the pickle closes a MARK that was never set.");
        var items = stack;
        stack = metastack.Pop();
        return items;
    }

    private object? Recall(long key) =>
        memo.TryGetValue(key, out var value) ? value : throw Error($"the pickle recalls memo slot {key}, which was never stored.");

    private List<object?> TargetList() => Peek() as List<object?> ?? throw Error($"APPEND targets a {PickleValues.TypeName(Peek())}; only lists can be appended to.");

    private PickleDict TargetDict() => Peek() as PickleDict ?? throw Error($"SETITEM targets a {PickleValues.TypeName(Peek())}; only dicts take items.");

    private void SetItems(PickleDict dict, List<object?> keysAndValues)
    {
        if (keysAndValues.Count % 2 != 0) throw Error("the pickle sets a dict item without a value.");
        Charge(DictItemCost * (keysAndValues.Count / 2));
        for (int i = 0; i < keysAndValues.Count; i += 2)
        {
            if (!dict.TrySet(keysAndValues[i], keysAndValues[i + 1]))
                throw Error($"a dict key is a {PickleValues.TypeName(keysAndValues[i])}; state dict keys are strings.");
        }
    }

    private byte ReadByte()
    {
        if (stream.Position >= end) throw PastEnd();
        int value = stream.ReadByte();
        return value >= 0 ? (byte)value : throw Error("the pickle ends before its STOP opcode; the data is truncated.");
    }

    private CheckpointFormatException PastEnd() => limited
        ? Error($"the pickle is longer than {maxLength} bytes, the limit for a state dict's description (CheckpointLimits.MaxMetadataBytes); " +
                "it is not a state dict torch.save wrote, or raise the limit.")
        : Error("the pickle ends before its STOP opcode; the data is truncated.");

    private uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    private int ReadLength(long length) =>
        length < 0 ? throw Error($"the pickle declares a negative length {length}.")
        : length > end - stream.Position ? throw (limited ? PastEnd() : Error($"the pickle declares {length} bytes, but only {end - stream.Position} remain; the data is truncated."))
        : (int)length;

    private int ReadLength(ulong length) => ReadLength(length > long.MaxValue ? -1 : (long)length);

    private byte[] ReadBytes(long count)
    {
        var bytes = new byte[ReadLength(count)];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private string ReadLine()
    {
        var line = new List<byte>();
        while (true)
        {
            byte next = ReadByte();
            if (next == (byte)'\n') return Text(line.ToArray());
            if (line.Count == MaxLineLength) throw Error($"a GLOBAL name is longer than {MaxLineLength} bytes.");
            line.Add(next);
        }
    }

    private string Text(byte[] utf8)
    {
        try
        {
            return StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException e)
        {
            throw new CheckpointFormatException($"a string is not valid UTF-8 ({e.Message}).", source, Location, e);
        }
    }

    /// <summary>A little-endian two's-complement integer, as LONG1 and LONG4 store it.</summary>
    private static object Integer(byte[] littleEndian)
    {
        var value = new BigInteger(littleEndian, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }
}
