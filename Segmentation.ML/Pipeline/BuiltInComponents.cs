using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Trainers;
using Segmentation.ML.Transforms;

namespace Segmentation.ML;

/// <summary>Registers the library's own components with <see cref="ModelComponents"/> once.</summary>
internal static class BuiltInComponents
{
    private static int registered;

    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1) return;
        ModelComponents.Register(ImageLoadingTransformer.Kind, ImageLoadingTransformer.Load);
        ModelComponents.Register(ImageResizingTransformer.Kind, ImageResizingTransformer.Load);
        ModelComponents.Register(ImageNetNormalizingTransformer.Kind, ImageNetNormalizingTransformer.Load);
        ModelComponents.Register(ImageAugmentingTransformer.Kind, ImageAugmentingTransformer.Load);
        ModelComponents.Register(PixelPriorTransformer.Kind, PixelPriorTransformer.Load);
        ModelComponents.Register(HypercolumnExtractingTransformer.Kind, HypercolumnExtractingTransformer.Load);
        ModelComponents.Register(HypercolumnClassifierTransformer.Kind, HypercolumnClassifierTransformer.Load);
    }
}
