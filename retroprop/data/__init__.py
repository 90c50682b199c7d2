"""Datasets and the DataLoader (PyTorch's ``torch.utils.data`` names; also ``rp.utils.data``)."""

from retroprop.data.dataloader import DataLoader, default_collate
from retroprop.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split

__all__ = [
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "random_split",
]

from retroprop.data import datasets
