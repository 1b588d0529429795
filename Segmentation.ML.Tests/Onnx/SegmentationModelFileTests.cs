using Google.Protobuf;
using Onnx;
using Segmentation.ML.Onnx;

namespace Segmentation.ML.Tests.Onnx;

/// <summary>
/// What <see cref="SegmentationModel.Load"/> refuses in a model zip that is otherwise intact (CRCs right): every
/// metadata field missing, empty, of the wrong kind or out of range, and graphs holding NaN or infinite weights or
/// data outside the file — each with one <see cref="ModelFormatException"/> naming the file and the field or tensor.
/// </summary>
public sealed class SegmentationModelFileTests(PixelPriorModelFiles files) : IClassFixture<PixelPriorModelFiles>, IDisposable
{
    private const string Format = "segml.format", Classes = "segml.classes", Width = "segml.input_width", Height = "segml.input_height", Trainer = "segml.trainer";
    private const string FourClasses = """{"name":"x","classes":["a","b","c","d"]}""";

    private readonly string folder = Directory.CreateTempSubdirectory("segml-model-file-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    public static TheoryData<string, string?, string> MetadataEdits => new()
    {
        { Format, null, "missing" },
        { Format, "", "empty" },
        { Format, "0", "version 0" },
        { Format, "-1", "version -1" },
        { Format, "2", "newer" },
        { Format, "99", "newer" },
        { Format, "one", "version number" },
        { Format, "1.0", "version number" },
        { Format, "99999999999999999999", "version number" },
        { Classes, null, "missing" },
        { Classes, "", "empty" },
        { Classes, "null", "malformed" },
        { Classes, "7", "malformed" },
        { Classes, "[]", "malformed" },
        { Classes, "{", "malformed" },
        { Classes, """{"classes":[]}""", "malformed" },
        { Classes, """{"classes":[1,2,3,4]}""", "malformed" },
        { Classes, """{"classes":["a","a","b","c"]}""", "malformed" },
        { Classes, """{"classes":["a","b","c","d"],"ignore":-1}""", "malformed" },
        { Classes, """{"classes":["a","b","c","d"],"palette":[[0,0,0]]}""", "malformed" },
        { Classes, """{"classes":["a","b","c"]}""", "names 3 classes but the graph scores 4" },
        { Classes, """{"classes":["a","b","c","d","e"]}""", "names 5 classes but the graph scores 4" },
        { Width, null, "missing" },
        { Width, "", "empty" },
        { Width, "0", "a size of 1 to 65536" },
        { Width, "-40", "a size of 1 to 65536" },
        { Width, "65537", "a size of 1 to 65536" },
        { Width, "99999999999999999999", "a size of 1 to 65536" },
        { Width, "forty", "a size of 1 to 65536" },
        { Width, "4e1", "a size of 1 to 65536" },
        { Width, " 40", "a size of 1 to 65536" },
        { Height, null, "missing" },
        { Height, "0", "a size of 1 to 65536" },
        { Height, "2147483648", "a size of 1 to 65536" },
        { Height, "[30]", "a size of 1 to 65536" },
        { Trainer, null, "missing" },
        { Trainer, "", "empty" },
        { Trainer, new string('x', 1001), "at most 1000 characters" },
        { Trainer, "pixel\nprior", "one-line description" },
    };

    [Theory]
    [MemberData(nameof(MetadataEdits))]
    public void EveryMetadataFieldIsCheckedAndNamedWithTheFile(string field, string? value, string expected)
    {
        string path = Write(files.WithMetadata(field, value));
        var error = Assert.Throws<ModelFormatException>(() => SegmentationModel.Load(path));
        Assert.Equal(field, error.Field);
        Assert.Equal(path, error.Path);
        Assert.Contains(path, error.Message);
        Assert.Contains(field, error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("\n", error.Message);
        Assert.True(error.Message.Length < 400, error.Message);
    }

    [Fact]
    public void AllMetadataRemovedSaysTheModelWasNotTrainedByThisLibrary()
    {
        string path = Write(files.WithGraph(model => model.MetadataProps.Clear()));
        var error = Assert.Throws<ModelFormatException>(() => SegmentationModel.Load(path));
        Assert.Equal(Format, error.Field);
        Assert.Contains("not trained by Segmentation.ML", error.Message);
    }

    [Fact]
    public void DuplicatedMetadataIsRefusedEvenWithEqualValues()
    {
        string path = Write(files.WithGraph(model => model.MetadataProps.Add(model.MetadataProps.First(p => p.Key == Width).Clone())));
        var error = Assert.Throws<ModelFormatException>(() => SegmentationModel.Load(path));
        Assert.Equal(Width, error.Field);
        Assert.Contains("more than once", error.Message);
    }

    [Fact]
    public void ValidEditsLoadAndPredictAsBefore()
    {
        string renamed = Write(files.WithMetadata(Trainer, "pixel prior, renamed"));
        using (var model = SegmentationModel.Load(renamed))
        {
            Assert.Equal("pixel prior, renamed", model.Trainer);
            Assert.True(files.PredictsAsOriginal(model));
        }
        string foreignKey = Write(files.WithGraph(model => model.MetadataProps.Add(new StringStringEntryProto { Key = "note", Value = "" })));
        using (var model = SegmentationModel.Load(foreignKey)) Assert.True(files.SameAsOriginal(model));
    }

    [Theory]
    [InlineData(float.NaN, false)]
    [InlineData(float.PositiveInfinity, false)]
    [InlineData(float.NegativeInfinity, true)]
    public void NonFiniteWeightsAreRefusedNamingTheTensor(float value, bool asFloatData)
    {
        string path = Write(files.WithGraph(model =>
        {
            var scores = model.Graph.Initializer.Single(t => t.Name == "prior.scores");
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(scores.RawData.Span).ToArray();
            values[5] = value;
            if (asFloatData)
            {
                scores.RawData = ByteString.Empty;
                scores.FloatData.AddRange(values);
            }
            else scores.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }));
        var error = Assert.Throws<ModelFormatException>(() => SegmentationModel.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("'prior.scores' holds a NaN or infinite value (element 5)", error.Message);
    }

    [Fact]
    public void NonFiniteConstantAttributeIsRefused()
    {
        string path = Write(files.WithGraph(model =>
        {
            var tensor = new TensorProto { Name = "bad", DataType = (int)TensorProto.Types.DataType.Float };
            tensor.Dims.Add(1);
            tensor.FloatData.Add(float.NaN);
            var node = new NodeProto { Name = "constant", OpType = "Constant" };
            node.Output.Add("unused");
            node.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = tensor });
            model.Graph.Node.Add(node);
        }));
        var error = Assert.Throws<ModelFormatException>(() => SegmentationModel.Load(path));
        Assert.Contains("attribute 'value' of node 'constant' (Constant)", error.Message);
    }

    [Fact]
    public void TensorsStoredOutsideTheFileAreRefused()
    {
        string path = Write(files.WithGraph(model =>
        {
            var scores = model.Graph.Initializer.Single(t => t.Name == "prior.scores");
            scores.RawData = ByteString.Empty;
            scores.DataLocation = TensorProto.Types.DataLocation.External;
            scores.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "/etc/passwd" });
        }));
        var error = Assert.Throws<ModelFormatException>(() => SegmentationModel.Load(path));
        Assert.Contains("'prior.scores' refers to data outside the model file", error.Message);
    }

    private string Write(byte[] bytes)
    {
        string path = Path.Combine(folder, $"model-{Guid.NewGuid():N}.zip");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
