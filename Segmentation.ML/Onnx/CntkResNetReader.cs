using Onnx;
using Segmentation.ML.Models;

namespace Segmentation.ML.Onnx;

/// <summary>
/// Reads a ResNet exported to ONNX (CNTK's export in ML.NET's DnnImageFeaturizer package) into torchvision's
/// state-dict keys, so <see cref="ResNetLayout"/> builds it like any torchvision checkpoint. The layers are found by
/// walking the graph from its input, not by the exporter's generated names: the stem is Conv → BatchNormalization →
/// Relu → MaxPool; each residual block is the nodes between one block input and the Relu after an Add whose other
/// operand is that input (an identity shortcut) or a 1×1 Conv → BatchNormalization of it (a projection, torchvision's
/// <c>downsample</c>); a block whose stride is 2 starts the next layer; a global average pool ends the network.
/// Every convolution's shape, stride and padding, and the activation sizes at the graph's fixed input size, are
/// checked against that structure, so a file that is anything else is refused naming the node.
/// </summary>
internal static class CntkResNetReader
{
    /// <summary>
    /// The network's parameters under torchvision's names (<c>conv1.weight</c>, <c>bn1.running_var</c>,
    /// <c>layer4.2.conv2.weight</c>, <c>layer2.0.downsample.0.weight</c> …) and the graph's fixed input size.
    /// </summary>
    /// <exception cref="ModelFormatException">The graph is not such a ResNet; the message names the file and the node.</exception>
    public static (Dictionary<string, ParameterTensor> Parameters, int InputHeight, int InputWidth) ReadNetwork(ModelProto model, string path)
    {
        var walk = new GraphWalk(model.Graph, path);
        var (input, inputShape) = walk.ImageInput();
        var parameters = new Dictionary<string, ParameterTensor>(StringComparer.Ordinal);
        var size = (Height: inputShape[2], Width: inputShape[3]);
        int channels = 3;

        var stemConv = walk.Only(input, "Conv", "the stem");
        string current = walk.ConvolutionAndNorm(stemConv, "conv1", "bn1", channels, 7, 2, ref size, parameters, out channels);
        current = walk.Only(current, "Relu", "the stem").Output[0];
        var pool = walk.Only(current, "MaxPool", "the stem");
        walk.CheckWindow(pool, 3, 2, ref size, "the stem's max-pool");
        current = pool.Output[0];

        int layer = 1, block = 0;
        while (true)
        {
            var consumers = walk.Consumers(current);
            if (consumers.Count == 1 && consumers[0].OpType is "AveragePool" or "GlobalAveragePool")
            {
                walk.CheckGlobalPool(consumers[0], size);
                break;
            }
            var convolutions = consumers.Where(n => n.OpType == "Conv").ToList();
            var add = consumers.SingleOrDefault(n => n.OpType == "Add");
            if (consumers.Count != 2 || !(convolutions.Count == 2 || (convolutions.Count == 1 && add is not null)))
                throw walk.Error($"after '{current}' a residual block (a Conv and an Add, or two Convs) or the final average pool was expected; " +
                    $"found {string.Join(", ", consumers.Select(n => $"{n.OpType} '{n.Name}'"))}");

            // The main path is the chain with more than one convolution; a projection is one Conv + BatchNormalization into the Add.
            var chains = convolutions.Select(c => walk.ChainToAdd(c)).OrderBy(c => c.Convolutions.Count).ToList();
            var main = chains[^1];
            (List<NodeProto> Convolutions, NodeProto Add)? projection = chains.Count == 2 ? chains[0] : null;
            if (main.Convolutions.Count is not 2 and not 3 || (projection is { } shortcut && (shortcut.Convolutions.Count != 1 || shortcut.Add != main.Add))
                || (projection is null && !main.Add.Input.Contains(current)))
                throw walk.Error($"the block after '{current}' is neither a basic block (2 convolutions) nor a bottleneck (3) with an identity or 1×1 projection shortcut into one Add");
            bool bottleneck = main.Convolutions.Count == 3;
            int stride = main.Convolutions.Select(GraphWalk.Stride).Aggregate(1, (a, b) => a * b);
            if (stride == 2)
            {
                if (layer == 4 || block == 0)
                    throw walk.Error($"the block after '{current}' has stride 2 where {(layer == 4 ? "no fifth layer can start" : $"layer{layer} has no block yet")}");
                layer++;
                block = 0;
            }
            else if (stride != 1)
            {
                throw walk.Error($"the block after '{current}' has stride {stride}; ResNet blocks have 1 or 2");
            }
            // torchvision puts a block's stride in its 3×3 convolution: conv1 of a basic block, conv2 of a bottleneck.
            int stridedIndex = bottleneck ? 1 : 0;
            string prefix = $"layer{layer}.{block}";
            var blockSize = size;
            int blockChannels = channels, mainChannels = channels;
            for (int i = 0; i < main.Convolutions.Count; i++)
            {
                int kernel = bottleneck && i != 1 ? 1 : 3;
                int expectedStride = i == stridedIndex ? stride : 1;
                walk.ConvolutionAndNorm(main.Convolutions[i], $"{prefix}.conv{i + 1}", $"{prefix}.bn{i + 1}", mainChannels, kernel, expectedStride, ref blockSize, parameters, out mainChannels);
                if (i < main.Convolutions.Count - 1) walk.Only(walk.NormOf(main.Convolutions[i]).Output[0], "Relu", prefix);
            }
            if (projection is not null)
            {
                var projectionSize = size;
                walk.ConvolutionAndNorm(projection.Value.Convolutions[0], $"{prefix}.downsample.0", $"{prefix}.downsample.1", blockChannels, 1, stride, ref projectionSize, parameters, out int projected);
                if (projected != mainChannels || projectionSize != blockSize)
                    throw walk.Error($"the shortcut of the block after '{current}' gives {projected}×{projectionSize.Height}×{projectionSize.Width}, its main path {mainChannels}×{blockSize.Height}×{blockSize.Width}");
            }
            else if (mainChannels != blockChannels || stride != 1)
            {
                throw walk.Error($"the block after '{current}' changes the shape ({blockChannels} → {mainChannels} channels, stride {stride}) but adds its input unchanged");
            }
            current = walk.Only(main.Add.Output[0], "Relu", prefix).Output[0];
            size = blockSize;
            channels = mainChannels;
            block++;
        }
        if (layer != 4)
            throw walk.Error($"the network has {layer} layers of residual blocks (a stride-2 block starts each after the first); a ResNet has 4");
        return (parameters, inputShape[2], inputShape[3]);
    }

    /// <summary>
    /// The preprocessing graph: [Split of the channels → Concat in some order →] Sub of a constant mean image
    /// [1, 3, h, w]. The channel order must be kept or reversed (RGB → BGR).
    /// </summary>
    /// <exception cref="ModelFormatException">The graph is anything else; the message names the file and the node.</exception>
    public static MeanImageNormalization ReadPreprocessing(ModelProto model, string path)
    {
        var walk = new GraphWalk(model.Graph, path);
        var (input, shape) = walk.ImageInput();
        string current = input;
        int[] order = [0, 1, 2];
        var first = walk.Consumers(current);
        if (first.Count == 1 && first[0].OpType == "Split")
        {
            var split = first[0];
            if (GraphWalk.Int(split, "axis", 0) != 1 || split.Output.Count != 3)
                throw walk.Error($"'{split.Name}' should split the 3 channels (axis 1)");
            var concat = walk.Only(split.Output[0], "Concat", "the channel reordering");
            if (GraphWalk.Int(concat, "axis", 0) != 1 || concat.Input.Count != 3 || concat.Input.Any(i => !split.Output.Contains(i)))
                throw walk.Error($"'{concat.Name}' should concatenate the 3 split channels along axis 1");
            order = concat.Input.Select(i => split.Output.IndexOf(i)).ToArray();
            current = concat.Output[0];
        }
        bool reversed = order.SequenceEqual([2, 1, 0]);
        if (!reversed && !order.SequenceEqual([0, 1, 2]))
            throw walk.Error($"the channels are reordered as {string.Join(", ", order)}; only kept (0, 1, 2) or reversed (2, 1, 0) orders are read");
        var sub = walk.Only(current, "Sub", "the mean subtraction");
        if (sub.Input[0] != current || !walk.IsInitializer(sub.Input[1]))
            throw walk.Error($"'{sub.Name}' should subtract a constant mean image from the image");
        var (mean, meanShape) = walk.Floats(sub.Input[1]);
        if (!meanShape.SequenceEqual([1, 3, shape[2], shape[3]]))
            throw walk.Error($"the mean image '{sub.Input[1]}' has shape [{string.Join(", ", meanShape)}]; [1, 3, {shape[2]}, {shape[3]}] was expected");
        if (model.Graph.Output.Count != 1 || model.Graph.Output[0].Name != sub.Output[0] || walk.Consumers(sub.Output[0]).Count != 0)
            throw walk.Error($"the mean subtraction's result '{sub.Output[0]}' should be the graph's only output");
        try
        {
            return new MeanImageNormalization(mean, (int)meanShape[2], (int)meanShape[3], reversed);
        }
        catch (ArgumentException error)
        {
            throw new ModelFormatException($"{path}: {error.Message}", path, inner: error);
        }
    }
}
